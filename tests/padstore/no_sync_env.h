// NoSyncEnv: forwards everything to a base Env except fsync, which it skips.
//
// For tests and benchmarks whose subject is logic or growth, not durability, on a disk
// where one fsync costs milliseconds. Never use it where durability is under test (the
// crash harness and the fault-injection tests use the real or fault-injecting Env).
#pragma once

#include <memory>

#include "common/env.h"

namespace otc::padstore::testing {

class NoSyncEnv final : public EnvWrapper {
 public:
  explicit NoSyncEnv(Env* base = Env::Default()) : EnvWrapper(base) {}

  Result<std::unique_ptr<File>> OpenFile(const std::string& path,
                                         const OpenOptions& options) override {
    auto f = base()->OpenFile(path, options);
    if (!f.ok()) return f.status();
    return std::unique_ptr<File>(new NoSyncFile(std::move(*f)));
  }
  Status SyncDir(const std::string&) override { return Status::Ok(); }

 private:
  class NoSyncFile final : public FileWrapper {
   public:
    using FileWrapper::FileWrapper;
    Status Sync() override { return Status::Ok(); }
    Status DataSync() override { return Status::Ok(); }
  };
};

}  // namespace otc::padstore::testing
