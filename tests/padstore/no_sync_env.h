// NoSyncEnv: forwards everything to a base Env except fsync, which it skips.
//
// For tests and benchmarks whose subject is logic or growth, not durability, on a disk
// where one fsync costs milliseconds. Never use it where durability is under test (the
// crash harness and the fault-injection tests use the real or fault-injecting Env).
#pragma once

#include <memory>

#include "common/env.h"

namespace otc::padstore::testing {

class NoSyncEnv final : public Env {
 public:
  explicit NoSyncEnv(Env* base = Env::Default()) : base_(base) {}

  Result<std::unique_ptr<File>> OpenFile(const std::string& path,
                                         const OpenOptions& options) override {
    auto f = base_->OpenFile(path, options);
    if (!f.ok()) return f.status();
    return std::unique_ptr<File>(new NoSyncFile(std::move(*f)));
  }
  Status RenameFile(const std::string& from, const std::string& to) override {
    return base_->RenameFile(from, to);
  }
  Status RemoveFile(const std::string& path) override { return base_->RemoveFile(path); }
  Status CreateDir(const std::string& path, unsigned mode) override {
    return base_->CreateDir(path, mode);
  }
  Status SyncDir(const std::string&) override { return Status::Ok(); }
  bool FileExists(const std::string& path) override { return base_->FileExists(path); }
  Result<std::vector<std::string>> GetChildren(const std::string& dir) override {
    return base_->GetChildren(dir);
  }
  Result<std::unique_ptr<FileLock>> LockFile(const std::string& path) override {
    return base_->LockFile(path);
  }
  Result<uint64_t> FreeSpace(const std::string& path) override { return base_->FreeSpace(path); }
  Status CreateSymlink(const std::string& target, const std::string& link) override {
    return base_->CreateSymlink(target, link);
  }

 private:
  class NoSyncFile final : public File {
   public:
    explicit NoSyncFile(std::unique_ptr<File> base) : base_(std::move(base)) {}
    Result<size_t> Read(uint64_t offset, std::span<uint8_t> out) override {
      return base_->Read(offset, out);
    }
    Result<size_t> Write(uint64_t offset, std::span<const uint8_t> data) override {
      return base_->Write(offset, data);
    }
    Status Sync() override { return Status::Ok(); }
    Status DataSync() override { return Status::Ok(); }
    Status Allocate(uint64_t offset, uint64_t length) override {
      return base_->Allocate(offset, length);
    }
    Status PunchHole(uint64_t offset, uint64_t length) override {
      return base_->PunchHole(offset, length);
    }
    Status Truncate(uint64_t size) override { return base_->Truncate(size); }
    Result<uint64_t> Size() override { return base_->Size(); }
    const std::string& path() const override { return base_->path(); }

   private:
    std::unique_ptr<File> base_;
  };

  Env* base_;
};

}  // namespace otc::padstore::testing
