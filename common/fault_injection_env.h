// FaultInjectionEnv: an Env for tests that fails, shortens and forgets writes on demand.
//
// It wraps a real Env (normally Env::Default() over a temporary directory) and forwards
// every call, while it can:
//   * fail the Nth write or the Nth sync (Sync, DataSync or SyncDir) with EIO or ENOSPC;
//   * make the Nth write short (only a prefix reaches the file);
//   * make every write fail with ENOSPC (a full disk);
//   * simulate a power loss: every write, truncate or hole punch that was not followed by
//     a successful Sync/DataSync of its file is undone (kDropUnsynced); or, modelling a
//     disk that writes in order, the unsynced mutations survive except the last of each
//     file, which keeps only the whole sectors before its final sector (kTearLastWrite).
//     Files created and renames done since the last SyncDir of their directory are
//     undone; every File opened before the power loss is dead afterwards (all its calls
//     fail), as after a crash.
//   * fail every write that reaches into a byte range of a file (a disk that fills up at
//     a byte offset, or a bad region), or the Nth read;
//   * refuse O_DIRECT, as ramfs does.
// The "Nth" counters count calls made after the fault is armed, starting at 1, and only
// on paths containing the armed path filter (empty filter = every path) and, with
// FaultFiles::kBulk, only on bulk pad files (so "the 3rd fdatasync of pad a" does not
// count the syncs of a's manifest, whose path contains a's).
//
// Bulk pad files (OpenBulkFile) see the same faults: their synchronous calls are checked
// like File's, and each io_uring completion is checked in BulkFile::Complete (a write the
// kernel made is then reported failed or short, which is what the caller must survive).
//
// Limits (documented so tests do not over-trust it): the undo log keeps pre-images in
// memory, so a single unsynced mutation larger than kMaxTrackedBytes is treated as
// durable at once; directory entries created by CreateDir are not undone; bulk pad
// files take faults but are not part of SimulatePowerLoss (their data, creation and
// handles survive it: pad durability is checked through the manifests that record it).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "common/env.h"

namespace otc {

// Which files an Nth-call fault counts and fails.
enum class FaultFiles { kAll, kBulk };

class FaultInjectionEnv final : public Env {
 public:
  enum class PowerLossMode { kDropUnsynced, kTearLastWrite };
  static constexpr uint64_t kMaxTrackedBytes = uint64_t{64} << 20;
  static constexpr uint64_t kSectorSize = 512;

  explicit FaultInjectionEnv(Env* base = Env::Default());
  ~FaultInjectionEnv() override;

  // Faults. `errno_value` is EIO or ENOSPC (or any errno). `path_filter` restricts the
  // fault to paths containing it.
  void FailNthWrite(int n, int errno_value = 5 /* EIO */, std::string path_filter = "",
                    FaultFiles files = FaultFiles::kAll);
  void FailNthSync(int n, int errno_value = 5 /* EIO */, std::string path_filter = "",
                   FaultFiles files = FaultFiles::kAll);
  void FailNthRead(int n, int errno_value = 5 /* EIO */, std::string path_filter = "",
                   FaultFiles files = FaultFiles::kAll);
  // The Nth write writes only `bytes` (less than requested) and reports that count.
  void ShortNthWrite(int n, size_t bytes, std::string path_filter = "",
                     FaultFiles files = FaultFiles::kAll);
  // Until cleared, every write to a matching file that overlaps [from, to) fails with
  // `errno_value` (ENOSPC: a disk that is full from byte `from` on; EIO: a bad region).
  void FailWritesInRange(uint64_t from, uint64_t to, int errno_value, std::string path_filter);
  // While set, OpenBulkFile behaves as on a file system that refuses O_DIRECT.
  void RefuseDirectIo(bool refuse);
  // While set, every write (and Allocate) fails with ENOSPC.
  void SetDiskFull(bool full);
  // Removes every armed fault.
  void ClearFaults();

  void SimulatePowerLoss(PowerLossMode mode = PowerLossMode::kDropUnsynced);

  // Counters, for tests that want to know how much I/O happened.
  int writes() const;
  int syncs() const;

  // Env interface.
  Result<std::unique_ptr<File>> OpenFile(const std::string& path,
                                         const OpenOptions& options) override;
  Result<std::unique_ptr<BulkFile>> OpenBulkFile(const std::string& path,
                                                 const BulkOpenOptions& options) override;
  Status RenameFile(const std::string& from, const std::string& to) override;
  Status RemoveFile(const std::string& path) override;
  Status CreateDir(const std::string& path, unsigned mode) override;
  Status SyncDir(const std::string& path) override;
  bool FileExists(const std::string& path) override;
  Result<std::vector<std::string>> GetChildren(const std::string& dir) override;
  Result<std::unique_ptr<FileLock>> LockFile(const std::string& path) override;
  Result<uint64_t> FreeSpace(const std::string& path) override;

 private:
  friend class FaultFile;
  friend class FaultBulkFile;

  struct Mutation {
    uint64_t offset;
    std::vector<uint8_t> pre_image;  // bytes at [offset, offset + pre_image.size()) before
    uint64_t length;                 // bytes the mutation covered
    uint64_t old_size;               // file size before
  };
  struct Rename {
    std::string from, to;
    std::optional<std::string> old_target;     // contents `to` had before, if any
    std::optional<FileIdentity> old_identity;  // and which file it was
  };
  struct Armed {
    int countdown = 0;  // fires when it reaches 0 after decrementing; 0 = disarmed
    int errno_value = 0;
    size_t short_bytes = 0;
    std::string filter;
    FaultFiles files = FaultFiles::kAll;
  };
  struct BadRange {
    uint64_t from = 0, to = 0;  // empty: disarmed
    int errno_value = 0;
    std::string filter;
  };

  // Called by FaultFile with mu_ held.
  FileIdentity AliasedIdentity(const FileIdentity& real) const;
  bool Fires(Armed& fault, const std::string& path, bool bulk);
  // Each returns 0 or the errno to fail the call with; CheckWrite may lower *allowed.
  int CheckWrite(const std::string& path, bool bulk, uint64_t offset, size_t requested,
                 size_t* allowed);
  int CheckSync(const std::string& path, bool bulk);
  int CheckRead(const std::string& path, bool bulk);
  void RecordMutation(const std::string& path, File& file, uint64_t offset, uint64_t length);
  void MarkSynced(const std::string& path);

  Env* base_;
  mutable std::mutex mu_;
  uint64_t generation_ = 0;  // bumped by SimulatePowerLoss; older Files are dead
  Armed fail_write_, fail_sync_, fail_read_, short_write_;
  BadRange bad_range_;
  bool disk_full_ = false;
  bool refuse_direct_io_ = false;
  int writes_ = 0, syncs_ = 0;
  std::map<std::string, std::vector<Mutation>> unsynced_;
  std::set<std::string> created_since_dir_sync_;
  std::vector<Rename> renames_since_dir_sync_;
  // A power loss that undoes a rename brings the replaced file back by rewriting its
  // contents into a new file; on a real disk it is the same file. Files report the
  // identity of the file they stand for: (new file's identity, old file's identity).
  std::vector<std::pair<FileIdentity, FileIdentity>> identity_aliases_;
};

}  // namespace otc
