// GatedSyncEnv: forwards everything to a base Env, but the syncs of files whose path ends
// in `suffix` (by default a contact journal) can be held at a gate, and made to fail, so
// that a test can line up concurrent appends behind one sync and check what group commit
// (padstore/group_commit.h) does with them.
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>

#include "common/env.h"

namespace otc::padstore::testing {

class GatedSyncEnv final : public EnvWrapper {
 public:
  explicit GatedSyncEnv(std::string suffix = "/journal", Env* base = Env::Default())
      : EnvWrapper(base), suffix_(std::move(suffix)) {}

  // While closed, a Sync or DataSync of a gated file blocks until Open().
  void Close() {
    std::lock_guard lock(mu_);
    open_ = false;
  }
  void Open() {
    {
      std::lock_guard lock(mu_);
      open_ = true;
    }
    cv_.notify_all();
  }
  // The next gated sync to pass the gate returns an I/O error instead of syncing.
  void FailNextSync() {
    std::lock_guard lock(mu_);
    fail_next_ = true;
  }
  // Counters of gated syncs started (entered the gate) and writes to gated files done.
  int gated_syncs() {
    std::lock_guard lock(mu_);
    return syncs_;
  }
  int gated_writes() {
    std::lock_guard lock(mu_);
    return writes_;
  }
  // Waits (up to a few seconds) until `pred()` holds; returns whether it did.
  template <typename Pred>
  bool WaitFor(Pred pred) {
    std::unique_lock lock(mu_);
    return changed_.wait_for(lock, std::chrono::seconds(10), [&] { return pred(*this); });
  }
  int syncs_locked() const { return syncs_; }
  int writes_locked() const { return writes_; }

  Result<std::unique_ptr<File>> OpenFile(const std::string& path,
                                         const OpenOptions& options) override {
    auto f = base()->OpenFile(path, options);
    if (!f.ok()) return f.status();
    bool gated = path.size() >= suffix_.size() &&
                 path.compare(path.size() - suffix_.size(), suffix_.size(), suffix_) == 0;
    return std::unique_ptr<File>(new GatedFile(this, std::move(*f), gated));
  }

 private:
  class GatedFile final : public FileWrapper {
   public:
    GatedFile(GatedSyncEnv* env, std::unique_ptr<File> base, bool gated)
        : FileWrapper(std::move(base)), env_(env), gated_(gated) {}
    Result<size_t> Write(uint64_t offset, std::span<const uint8_t> data) override {
      Result<size_t> r = base().Write(offset, data);
      if (gated_) env_->Count(&GatedSyncEnv::writes_);
      return r;
    }
    Status Sync() override {
      return gated_ ? env_->Gate([&] { return base().Sync(); }) : base().Sync();
    }
    Status DataSync() override {
      return gated_ ? env_->Gate([&] { return base().DataSync(); }) : base().DataSync();
    }

   private:
    GatedSyncEnv* env_;
    bool gated_;
  };

  void Count(int GatedSyncEnv::*counter) {
    {
      std::lock_guard lock(mu_);
      ++(this->*counter);
    }
    changed_.notify_all();
  }
  template <typename SyncFn>
  Status Gate(SyncFn sync) {
    Count(&GatedSyncEnv::syncs_);
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return open_; });
    if (fail_next_) {
      fail_next_ = false;
      return Status::IOError("fdatasync (injected by GatedSyncEnv)");
    }
    lock.unlock();
    return sync();
  }

  std::string suffix_;
  std::mutex mu_;
  std::condition_variable cv_;       // the gate opened
  std::condition_variable changed_;  // a counter moved
  bool open_ = true;
  bool fail_next_ = false;
  int syncs_ = 0;
  int writes_ = 0;
};

}  // namespace otc::padstore::testing
