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

class GatedSyncEnv final : public Env {
 public:
  explicit GatedSyncEnv(std::string suffix = "/journal", Env* base = Env::Default())
      : base_(base), suffix_(std::move(suffix)) {}

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
    auto f = base_->OpenFile(path, options);
    if (!f.ok()) return f.status();
    bool gated = path.size() >= suffix_.size() &&
                 path.compare(path.size() - suffix_.size(), suffix_.size(), suffix_) == 0;
    return std::unique_ptr<File>(new GatedFile(this, std::move(*f), gated));
  }
  Status RenameFile(const std::string& from, const std::string& to) override {
    return base_->RenameFile(from, to);
  }
  Status RemoveFile(const std::string& path) override { return base_->RemoveFile(path); }
  Status CreateDir(const std::string& path, unsigned mode) override {
    return base_->CreateDir(path, mode);
  }
  Status SyncDir(const std::string& path) override { return base_->SyncDir(path); }
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
  class GatedFile final : public File {
   public:
    GatedFile(GatedSyncEnv* env, std::unique_ptr<File> base, bool gated)
        : env_(env), base_(std::move(base)), gated_(gated) {}
    Result<size_t> Read(uint64_t offset, std::span<uint8_t> out) override {
      return base_->Read(offset, out);
    }
    Result<size_t> Write(uint64_t offset, std::span<const uint8_t> data) override {
      Result<size_t> r = base_->Write(offset, data);
      if (gated_) env_->Count(&GatedSyncEnv::writes_);
      return r;
    }
    Status Sync() override {
      return gated_ ? env_->Gate([&] { return base_->Sync(); }) : base_->Sync();
    }
    Status DataSync() override {
      return gated_ ? env_->Gate([&] { return base_->DataSync(); }) : base_->DataSync();
    }
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
    GatedSyncEnv* env_;
    std::unique_ptr<File> base_;
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

  Env* base_;
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
