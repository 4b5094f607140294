// Env: the file-system interface that every piece of durable otc I/O goes through.
//
// Modelled on LevelDB's include/leveldb/env.h. Storage code (padstore's journal, meta
// and burn, padgen's manifests) never calls open/pwrite/fsync directly: it asks an Env,
// so tests can substitute a FaultInjectionEnv that fails the Nth fsync, returns short
// writes or ENOSPC, or simulates a power loss by dropping writes that were not synced.
// Bulk pad data (padgen's copies, their read-back verification, fsck's scan) goes through
// the same Env as a BulkFile (common/bulk_file.h): O_DIRECT with a buffered fallback and
// io_uring for large requests, with the same faults injectable.
//
// Durability contract (what callers may rely on, and what FaultInjectionEnv enforces):
//   * Data written with File::Write (or to a BulkFile) is durable only after File::Sync
//     or File::DataSync (BulkFile::DataSync, or an fdatasync queued on its SyncFd)
//     returns ok.
//   * A newly created, renamed or removed directory entry is durable only after
//     Env::SyncDir on its parent returns ok.
//   * After any failed Write, Sync or DataSync the file's contents are unknown; callers
//     must fail-stop (never retry a failed fsync: the kernel may have dropped the dirty
//     pages and a retry would falsely succeed).
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "common/bulk_file.h"
#include "common/status.h"

namespace otc {

// Which file an open file is, on disk: enough to tell the file a store wrote from a copy
// of it. A copy (cp -a, rsync -a, tar, a restore from backup) is a new file: a new inode,
// or an old inode number reused with a new birth time. Only a block-level clone of the
// whole file system keeps all three (docs/SECURITY.md says what catches that).
struct FileIdentity {
  uint64_t file_system = 0;  // statfs f_fsid (stable across reboots, unlike st_dev)
  uint64_t inode = 0;
  int64_t birth_ns = 0;  // statx btime in ns since the epoch; 0 where the FS has none
  bool operator==(const FileIdentity&) const = default;
};

// An open file with positional I/O. Thread-compatible: concurrent calls on one File
// are allowed for Read/Write at disjoint offsets, as with pread/pwrite, and a Sync or
// DataSync may run alongside them (it covers at least every Write that returned before
// it was called).
class File {
 public:
  virtual ~File() = default;

  // Reads up to out.size() bytes at `offset`; returns the count (0 at end of file).
  virtual Result<size_t> Read(uint64_t offset, std::span<uint8_t> out) = 0;
  // Writes up to data.size() bytes at `offset`; may write fewer, like pwrite(2).
  // Use WriteFully() unless you handle short writes yourself.
  virtual Result<size_t> Write(uint64_t offset, std::span<const uint8_t> data) = 0;
  // fsync(2): data and metadata.
  virtual Status Sync() = 0;
  // fdatasync(2): data and the metadata needed to read it back (size).
  virtual Status DataSync() = 0;
  // Reserves space so later writes in [offset, offset+length) cannot fail with ENOSPC.
  virtual Status Allocate(uint64_t offset, uint64_t length) = 0;
  // Deallocates [offset, offset+length): it reads back as zeros afterwards
  // (FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE).
  virtual Status PunchHole(uint64_t offset, uint64_t length) = 0;
  virtual Status Truncate(uint64_t size) = 0;
  virtual Result<uint64_t> Size() = 0;
  // The path this file was opened with, for error messages.
  virtual const std::string& path() const = 0;
  // Which file this is on disk (see FileIdentity). Unsupported where an Env cannot say;
  // callers then skip copy detection rather than fail.
  virtual Result<FileIdentity> Identity();
};

// Writes all of `data` at `offset`, looping over short writes; a write that makes no
// progress is an I/O error.
Status WriteFully(File& file, uint64_t offset, std::span<const uint8_t> data);
// Reads exactly out.size() bytes at `offset`; hitting end of file is Corruption.
Status ReadFully(File& file, uint64_t offset, std::span<uint8_t> out);

struct OpenOptions {
  bool write = false;      // open read-write (otherwise read-only)
  bool create = false;     // create if missing (O_CREAT)
  bool exclusive = false;  // with create: fail if it exists (O_EXCL)
  bool truncate = false;   // O_TRUNC
  unsigned mode = 0600;    // permissions for a created file; pad files are always 0600
};

// An advisory exclusive lock held on a file (flock). Released on destruction.
class FileLock {
 public:
  virtual ~FileLock() = default;
};

class Env {
 public:
  virtual ~Env() = default;

  // The process-wide POSIX implementation.
  static Env* Default();

  virtual Result<std::unique_ptr<File>> OpenFile(const std::string& path,
                                                 const OpenOptions& options) = 0;
  // Opens a pad file or block device for bulk sequential I/O (see common/bulk_file.h).
  // The default implementation returns Unsupported.
  virtual Result<std::unique_ptr<BulkFile>> OpenBulkFile(const std::string& path,
                                                         const BulkOpenOptions& options);
  virtual Status RenameFile(const std::string& from, const std::string& to) = 0;
  virtual Status RemoveFile(const std::string& path) = 0;
  // mkdir; ok if it already exists as a directory.
  virtual Status CreateDir(const std::string& path, unsigned mode = 0700) = 0;
  // fsync on a directory, making entries created/renamed/removed in it durable.
  virtual Status SyncDir(const std::string& path) = 0;
  virtual bool FileExists(const std::string& path) = 0;
  // Names in a directory, without "." and "..", unsorted.
  virtual Result<std::vector<std::string>> GetChildren(const std::string& dir) = 0;
  // Takes an exclusive, non-blocking flock on `path` (created if missing). If another
  // process holds it, returns Busy naming the holder's PID when it can be known
  // (the lock file contains the holder's PID).
  virtual Result<std::unique_ptr<FileLock>> LockFile(const std::string& path) = 0;
  // Free bytes available to this user on the file system holding `path`.
  virtual Result<uint64_t> FreeSpace(const std::string& path) = 0;
  // Creates a symbolic link `link` pointing at `target` (durable after SyncDir on the
  // link's directory). The default implementation returns Unsupported.
  virtual Status CreateSymlink(const std::string& target, const std::string& link);
};

// Reads a whole (small) file into a string.
Result<std::string> ReadFileToString(Env& env, const std::string& path);

// Replaces `path` atomically with `contents`: write `path.tmp`, fsync it, rename over
// `path`, fsync the directory. After a crash either the old or the new contents exist.
Status WriteFileAtomically(Env& env, const std::string& path, std::span<const uint8_t> contents,
                           unsigned mode = 0600);

// The directory part of a path ("a/b/c" -> "a/b", "c" -> ".").
std::string DirName(const std::string& path);

// Forward every call to another Env / File (as LevelDB's EnvWrapper): a test Env that
// changes one behaviour (skips or holds fsyncs, counts writes) derives from these and
// overrides only that.
class FileWrapper : public File {
 public:
  explicit FileWrapper(std::unique_ptr<File> base) : base_(std::move(base)) {}
  Result<size_t> Read(uint64_t offset, std::span<uint8_t> out) override {
    return base_->Read(offset, out);
  }
  Result<size_t> Write(uint64_t offset, std::span<const uint8_t> data) override {
    return base_->Write(offset, data);
  }
  Status Sync() override { return base_->Sync(); }
  Status DataSync() override { return base_->DataSync(); }
  Status Allocate(uint64_t offset, uint64_t length) override {
    return base_->Allocate(offset, length);
  }
  Status PunchHole(uint64_t offset, uint64_t length) override {
    return base_->PunchHole(offset, length);
  }
  Status Truncate(uint64_t size) override { return base_->Truncate(size); }
  Result<uint64_t> Size() override { return base_->Size(); }
  const std::string& path() const override { return base_->path(); }
  Result<FileIdentity> Identity() override { return base_->Identity(); }

 protected:
  File& base() { return *base_; }

 private:
  std::unique_ptr<File> base_;
};

class EnvWrapper : public Env {
 public:
  explicit EnvWrapper(Env* base) : base_(base) {}
  Result<std::unique_ptr<File>> OpenFile(const std::string& path,
                                         const OpenOptions& options) override {
    return base_->OpenFile(path, options);
  }
  Result<std::unique_ptr<BulkFile>> OpenBulkFile(const std::string& path,
                                                 const BulkOpenOptions& options) override {
    return base_->OpenBulkFile(path, options);
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

 protected:
  Env* base() const { return base_; }

 private:
  Env* base_;
};

}  // namespace otc
