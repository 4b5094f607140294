#include "common/fault_injection_env.h"

#include <algorithm>
#include <cerrno>

namespace otc {

class FaultFile final : public File {
 public:
  FaultFile(FaultInjectionEnv* env, std::unique_ptr<File> base, uint64_t generation)
      : env_(env), base_(std::move(base)), generation_(generation) {}

  Result<size_t> Read(uint64_t offset, std::span<uint8_t> out) override {
    std::lock_guard lock(env_->mu_);
    if (Status s = CheckAlive(); !s.ok()) return s;
    if (int err = env_->CheckRead(path(), /*bulk=*/false)) {
      return Status::FromErrno(err, "reading " + path() + " (injected)");
    }
    return base_->Read(offset, out);
  }

  Result<size_t> Write(uint64_t offset, std::span<const uint8_t> data) override {
    std::lock_guard lock(env_->mu_);
    if (Status s = CheckAlive(); !s.ok()) return s;
    size_t allowed = data.size();
    if (int err = env_->CheckWrite(path(), /*bulk=*/false, offset, data.size(), &allowed)) {
      return Status::FromErrno(err, "writing " + path() + " (injected)");
    }
    env_->RecordMutation(path(), *base_, offset, allowed);
    return base_->Write(offset, data.first(allowed));
  }

  Result<FileIdentity> Identity() override {
    std::lock_guard lock(env_->mu_);
    if (Status s = CheckAlive(); !s.ok()) return s;
    Result<FileIdentity> id = base_->Identity();
    if (!id.ok()) return id;
    return env_->AliasedIdentity(*id);
  }

  Status Sync() override { return DoSync(/*data_only=*/false); }
  Status DataSync() override { return DoSync(/*data_only=*/true); }

  Status Allocate(uint64_t offset, uint64_t length) override {
    std::lock_guard lock(env_->mu_);
    if (Status s = CheckAlive(); !s.ok()) return s;
    if (env_->disk_full_) return Status::FromErrno(ENOSPC, "allocating space for " + path());
    Result<uint64_t> size = base_->Size();
    if (!size.ok()) return size.status();
    if (offset + length > *size) env_->RecordMutation(path(), *base_, *size, 0);
    return base_->Allocate(offset, length);
  }

  Status PunchHole(uint64_t offset, uint64_t length) override {
    std::lock_guard lock(env_->mu_);
    if (Status s = CheckAlive(); !s.ok()) return s;
    env_->RecordMutation(path(), *base_, offset, length);
    return base_->PunchHole(offset, length);
  }

  Status Truncate(uint64_t size) override {
    std::lock_guard lock(env_->mu_);
    if (Status s = CheckAlive(); !s.ok()) return s;
    Result<uint64_t> old_size = base_->Size();
    if (!old_size.ok()) return old_size.status();
    if (size < *old_size) {
      env_->RecordMutation(path(), *base_, size, *old_size - size);
    } else {
      env_->RecordMutation(path(), *base_, *old_size, 0);
    }
    return base_->Truncate(size);
  }

  Result<uint64_t> Size() override {
    std::lock_guard lock(env_->mu_);
    if (Status s = CheckAlive(); !s.ok()) return s;
    return base_->Size();
  }

  const std::string& path() const override { return base_->path(); }

 private:
  Status CheckAlive() const {
    if (generation_ != env_->generation_) {
      return Status::IOError(path() + ": file handle from before a simulated power loss");
    }
    return Status::Ok();
  }

  Status DoSync(bool data_only) {
    std::lock_guard lock(env_->mu_);
    if (Status s = CheckAlive(); !s.ok()) return s;
    // A failed sync leaves the mutations unsynced: a later power loss may drop them.
    if (int err = env_->CheckSync(path(), /*bulk=*/false)) {
      return Status::FromErrno(err, "fsync " + path() + " (injected)");
    }
    Status s = data_only ? base_->DataSync() : base_->Sync();
    if (s.ok()) env_->MarkSynced(path());
    return s;
  }

  FaultInjectionEnv* env_;
  std::unique_ptr<File> base_;
  uint64_t generation_;
};

// A bulk pad file whose synchronous calls and io_uring completions take the env's faults.
class FaultBulkFile final : public BulkFileWrapper {
 public:
  FaultBulkFile(FaultInjectionEnv* env, std::unique_ptr<BulkFile> base)
      : BulkFileWrapper(std::move(base)), env_(env) {}

  int Complete(BulkOp op, uint64_t offset, size_t requested, int result) override {
    result = base().Complete(op, offset, requested, result);
    if (result < 0) return result;
    std::lock_guard lock(env_->mu_);
    switch (op) {
      case BulkOp::kWrite: {
        size_t allowed = requested;
        if (int err = env_->CheckWrite(path(), /*bulk=*/true, offset, requested, &allowed)) {
          return -err;
        }
        return std::min(result, static_cast<int>(allowed));
      }
      case BulkOp::kSync:
        if (int err = env_->CheckSync(path(), /*bulk=*/true)) return -err;
        return result;
      case BulkOp::kRead:
        if (int err = env_->CheckRead(path(), /*bulk=*/true)) return -err;
        return result;
    }
    return result;
  }

  Result<size_t> Read(uint64_t offset, std::span<uint8_t> out) override {
    {
      std::lock_guard lock(env_->mu_);
      if (int err = env_->CheckRead(path(), /*bulk=*/true)) {
        return Status::FromErrno(err, "reading " + path() + " (injected)");
      }
    }
    return base().Read(offset, out);
  }

  Result<size_t> Write(uint64_t offset, std::span<const uint8_t> data) override {
    size_t allowed = data.size();
    {
      std::lock_guard lock(env_->mu_);
      if (int err = env_->CheckWrite(path(), /*bulk=*/true, offset, data.size(), &allowed)) {
        return Status::FromErrno(err, "writing " + path() + " (injected)");
      }
    }
    return base().Write(offset, data.first(allowed));
  }

  Status DataSync() override {
    {
      std::lock_guard lock(env_->mu_);
      if (int err = env_->CheckSync(path(), /*bulk=*/true)) {
        return Status::FromErrno(err, "fdatasync " + path() + " (injected)");
      }
    }
    return base().DataSync();
  }

  Status Allocate(uint64_t size) override {
    {
      std::lock_guard lock(env_->mu_);
      if (env_->disk_full_) return Status::FromErrno(ENOSPC, "allocating space for " + path());
    }
    return base().Allocate(size);
  }

 private:
  FaultInjectionEnv* env_;
};

FaultInjectionEnv::FaultInjectionEnv(Env* base) : base_(base) {}
FaultInjectionEnv::~FaultInjectionEnv() = default;

void FaultInjectionEnv::FailNthWrite(int n, int errno_value, std::string path_filter,
                                     FaultFiles files) {
  std::lock_guard lock(mu_);
  fail_write_ = Armed{n, errno_value, 0, std::move(path_filter), files};
}

void FaultInjectionEnv::FailNthSync(int n, int errno_value, std::string path_filter,
                                    FaultFiles files) {
  std::lock_guard lock(mu_);
  fail_sync_ = Armed{n, errno_value, 0, std::move(path_filter), files};
}

void FaultInjectionEnv::FailNthRead(int n, int errno_value, std::string path_filter,
                                    FaultFiles files) {
  std::lock_guard lock(mu_);
  fail_read_ = Armed{n, errno_value, 0, std::move(path_filter), files};
}

void FaultInjectionEnv::ShortNthWrite(int n, size_t bytes, std::string path_filter,
                                      FaultFiles files) {
  std::lock_guard lock(mu_);
  short_write_ = Armed{n, 0, bytes, std::move(path_filter), files};
}

void FaultInjectionEnv::FailWritesInRange(uint64_t from, uint64_t to, int errno_value,
                                          std::string path_filter) {
  std::lock_guard lock(mu_);
  bad_range_ = BadRange{from, to, errno_value, std::move(path_filter)};
}

void FaultInjectionEnv::RefuseDirectIo(bool refuse) {
  std::lock_guard lock(mu_);
  refuse_direct_io_ = refuse;
}

void FaultInjectionEnv::SetDiskFull(bool full) {
  std::lock_guard lock(mu_);
  disk_full_ = full;
}

void FaultInjectionEnv::ClearFaults() {
  std::lock_guard lock(mu_);
  fail_write_ = fail_sync_ = fail_read_ = short_write_ = Armed{};
  bad_range_ = BadRange{};
  disk_full_ = false;
  refuse_direct_io_ = false;
}

int FaultInjectionEnv::writes() const {
  std::lock_guard lock(mu_);
  return writes_;
}

int FaultInjectionEnv::syncs() const {
  std::lock_guard lock(mu_);
  return syncs_;
}

bool FaultInjectionEnv::Fires(Armed& fault, const std::string& path, bool bulk) {
  if (fault.countdown == 0) return false;
  if (fault.files == FaultFiles::kBulk && !bulk) return false;
  if (!fault.filter.empty() && path.find(fault.filter) == std::string::npos) return false;
  return --fault.countdown == 0;
}

int FaultInjectionEnv::CheckWrite(const std::string& path, bool bulk, uint64_t offset,
                                  size_t requested, size_t* allowed) {
  ++writes_;
  if (disk_full_) return ENOSPC;
  if (bad_range_.from < bad_range_.to && offset < bad_range_.to &&
      offset + requested > bad_range_.from &&
      (bad_range_.filter.empty() || path.find(bad_range_.filter) != std::string::npos)) {
    return bad_range_.errno_value;
  }
  if (Fires(fail_write_, path, bulk)) return fail_write_.errno_value;
  if (Fires(short_write_, path, bulk) && short_write_.short_bytes < requested) {
    *allowed = short_write_.short_bytes;
  }
  return 0;
}

int FaultInjectionEnv::CheckSync(const std::string& path, bool bulk) {
  ++syncs_;
  if (Fires(fail_sync_, path, bulk)) return fail_sync_.errno_value;
  return 0;
}

int FaultInjectionEnv::CheckRead(const std::string& path, bool bulk) {
  if (Fires(fail_read_, path, bulk)) return fail_read_.errno_value;
  return 0;
}

void FaultInjectionEnv::RecordMutation(const std::string& path, File& file, uint64_t offset,
                                       uint64_t length) {
  Result<uint64_t> size = file.Size();
  if (!size.ok() || length > kMaxTrackedBytes) return;  // treated as durable (see header)
  Mutation m{offset, {}, length, *size};
  if (offset < *size) {
    m.pre_image.resize(std::min(length, *size - offset));
    if (!ReadFully(file, offset, m.pre_image).ok()) m.pre_image.clear();
  }
  unsynced_[path].push_back(std::move(m));
}

FileIdentity FaultInjectionEnv::AliasedIdentity(const FileIdentity& real) const {
  for (const auto& [alias, stands_for] : identity_aliases_) {
    if (alias == real) return stands_for;
  }
  return real;
}

void FaultInjectionEnv::MarkSynced(const std::string& path) { unsynced_.erase(path); }

void FaultInjectionEnv::SimulatePowerLoss(PowerLossMode mode) {
  std::lock_guard lock(mu_);
  ++generation_;
  for (auto& [path, mutations] : unsynced_) {
    Result<std::unique_ptr<File>> file = base_->OpenFile(path, OpenOptions{.write = true});
    if (!file.ok()) continue;  // removed since; nothing to undo
    // kDropUnsynced undoes every unsynced mutation, newest first. kTearLastWrite models a
    // disk that wrote in order and lost power inside the last write: earlier mutations
    // survive and the last keeps only the sectors before its final one.
    size_t first_undone = mode == PowerLossMode::kDropUnsynced ? 0 : mutations.size() - 1;
    for (size_t i = mutations.size(); i-- > first_undone;) {
      const Mutation& m = mutations[i];
      uint64_t keep = 0;  // leading bytes of this mutation that survive
      if (mode == PowerLossMode::kTearLastWrite && m.length > 0) {
        uint64_t torn_end = (m.offset + m.length - 1) / kSectorSize * kSectorSize;
        if (torn_end > m.offset) keep = torn_end - m.offset;
      }
      if (m.pre_image.size() > keep) {
        std::span<const uint8_t> restore(m.pre_image);
        WriteFully(**file, m.offset + keep, restore.subspan(keep)).ok();
      }
      (*file)->Truncate(std::max(m.old_size, keep > 0 ? m.offset + keep : 0)).ok();
    }
    (*file)->Sync().ok();
  }
  unsynced_.clear();
  for (size_t i = renames_since_dir_sync_.size(); i-- > 0;) {
    const Rename& r = renames_since_dir_sync_[i];
    base_->RenameFile(r.to, r.from).ok();
    if (r.old_target) {
      Result<std::unique_ptr<File>> file =
          base_->OpenFile(r.to, OpenOptions{.write = true, .create = true, .truncate = true});
      if (file.ok()) {
        WriteFully(**file, 0,
                   {reinterpret_cast<const uint8_t*>(r.old_target->data()), r.old_target->size()})
            .ok();
        Result<FileIdentity> now = (*file)->Identity();
        if (now.ok() && r.old_identity) identity_aliases_.emplace_back(*now, *r.old_identity);
      }
    }
  }
  renames_since_dir_sync_.clear();
  for (const std::string& path : created_since_dir_sync_) base_->RemoveFile(path).ok();
  created_since_dir_sync_.clear();
}

Result<std::unique_ptr<File>> FaultInjectionEnv::OpenFile(const std::string& path,
                                                          const OpenOptions& options) {
  std::lock_guard lock(mu_);
  bool existed = base_->FileExists(path);
  if (options.truncate && existed && options.write) {
    Result<std::unique_ptr<File>> old = base_->OpenFile(path, OpenOptions{});
    if (old.ok()) {
      Result<uint64_t> size = (*old)->Size();
      if (size.ok() && *size > 0) RecordMutation(path, **old, 0, *size);
    }
  }
  Result<std::unique_ptr<File>> file = base_->OpenFile(path, options);
  if (!file.ok()) return file.status();
  if (!existed) created_since_dir_sync_.insert(path);
  return std::unique_ptr<File>(new FaultFile(this, std::move(*file), generation_));
}

Result<std::unique_ptr<BulkFile>> FaultInjectionEnv::OpenBulkFile(const std::string& path,
                                                                  const BulkOpenOptions& options) {
  BulkOpenOptions o = options;
  {
    std::lock_guard lock(mu_);
    if (refuse_direct_io_) o.direct = false;
  }
  Result<std::unique_ptr<BulkFile>> file = base_->OpenBulkFile(path, o);
  if (!file.ok()) return file.status();
  return std::unique_ptr<BulkFile>(new FaultBulkFile(this, std::move(*file)));
}

Status FaultInjectionEnv::RenameFile(const std::string& from, const std::string& to) {
  std::lock_guard lock(mu_);
  Rename r{from, to, std::nullopt, std::nullopt};
  if (base_->FileExists(to)) {
    Result<std::string> old = ReadFileToString(*base_, to);
    if (old.ok() && old->size() <= kMaxTrackedBytes) {
      // Keep what an undo of this rename must bring back: the replaced file's durable
      // contents, i.e. without its unsynced mutations (undone newest first).
      if (auto it = unsynced_.find(to); it != unsynced_.end()) {
        for (size_t i = it->second.size(); i-- > 0;) {
          const Mutation& m = it->second[i];
          if (!m.pre_image.empty()) {
            if (old->size() < m.offset + m.pre_image.size()) {
              old->resize(m.offset + m.pre_image.size());
            }
            old->replace(m.offset, m.pre_image.size(),
                         reinterpret_cast<const char*>(m.pre_image.data()), m.pre_image.size());
          }
          old->resize(m.old_size);
        }
      }
      r.old_target = std::move(*old);
      Result<std::unique_ptr<File>> replaced = base_->OpenFile(to, OpenOptions{});
      if (replaced.ok()) {
        Result<FileIdentity> id = (*replaced)->Identity();
        if (id.ok()) r.old_identity = AliasedIdentity(*id);
      }
    }
  }
  Status s = base_->RenameFile(from, to);
  if (!s.ok()) return s;
  // The replaced file is gone: its unsynced mutations must never be "undone" onto the
  // file that now has its name.
  unsynced_.erase(to);
  if (auto it = unsynced_.find(from); it != unsynced_.end()) {
    unsynced_[to] = std::move(it->second);
    unsynced_.erase(it);
  }
  // A file created since the last directory sync stays recorded under `from`: a power
  // loss first undoes the rename, then removes the file from its original name.
  renames_since_dir_sync_.push_back(std::move(r));
  return s;
}

Status FaultInjectionEnv::RemoveFile(const std::string& path) {
  std::lock_guard lock(mu_);
  unsynced_.erase(path);
  created_since_dir_sync_.erase(path);
  return base_->RemoveFile(path);
}

Status FaultInjectionEnv::CreateDir(const std::string& path, unsigned mode) {
  return base_->CreateDir(path, mode);
}

Status FaultInjectionEnv::SyncDir(const std::string& path) {
  std::lock_guard lock(mu_);
  if (int err = CheckSync(path, /*bulk=*/false)) {
    return Status::FromErrno(err, "fsync " + path + " (injected)");
  }
  Status s = base_->SyncDir(path);
  if (!s.ok()) return s;
  std::erase_if(created_since_dir_sync_, [&](const std::string& p) { return DirName(p) == path; });
  std::erase_if(renames_since_dir_sync_, [&](const Rename& r) {
    if (DirName(r.to) != path) return false;
    created_since_dir_sync_.erase(r.from);  // the file is durable under its new name
    return true;
  });
  return s;
}

bool FaultInjectionEnv::FileExists(const std::string& path) { return base_->FileExists(path); }

Result<std::vector<std::string>> FaultInjectionEnv::GetChildren(const std::string& dir) {
  return base_->GetChildren(dir);
}

Result<std::unique_ptr<FileLock>> FaultInjectionEnv::LockFile(const std::string& path) {
  return base_->LockFile(path);
}

Result<uint64_t> FaultInjectionEnv::FreeSpace(const std::string& path) {
  {
    std::lock_guard lock(mu_);
    if (disk_full_) return uint64_t{0};
  }
  return base_->FreeSpace(path);
}

}  // namespace otc
