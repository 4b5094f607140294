// BulkFile: a pad file (or block device) read or written in large sequential pieces.
//
// Pad data is the one kind of durable I/O measured in gigabytes, so it gets its own file
// type beside File: it is opened twice, once with O_DIRECT for the aligned bulk of the
// data (the page cache is neither used nor polluted, and a read-back comes from the
// drive) and once buffered, for pieces whose offset, length or buffer is not aligned
// (a short last chunk, the rest of a short write). Large requests are queued on an
// io_uring (common/io_ring.h) against FdFor()'s descriptor; small ones and fallbacks use
// the synchronous Read/Write here.
//
// O_DIRECT alignment comes from statx(STATX_DIOALIGN) where the kernel and file system
// report it (Linux 6.1+), otherwise the logical block size (BLKSSZGET for a block device,
// st_blksize for a file). O_DIRECT is given up, and `fallback_reason()` says why, where
// the file system refuses it (ramfs, some FUSE and network file systems: open or a probe
// read fails with EINVAL), where its memory alignment exceeds a page (buffers are
// page-aligned SecretBuffers), or where its offset alignment does not divide the
// caller's `direct_unit`. A buffered BulkFile relies on fdatasync alone.
//
// Faults: every asynchronous completion on a BulkFile passes through Complete() before
// the caller looks at it, and the synchronous calls are virtual, so a fault-injecting Env
// (common/fault_injection_env.h) fails or shortens bulk writes, reads and syncs the same
// way it does for File. Obtained from Env::OpenBulkFile.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "common/status.h"

namespace otc {

struct BulkOpenOptions {
  bool write = false;      // read-write (otherwise read-only)
  bool create = false;     // O_CREAT
  bool exclusive = false;  // O_EXCL: with create, fail if it exists; on a block device,
                           // fail (Busy) if it is mounted or otherwise held
  bool truncate = false;   // O_TRUNC
  unsigned mode = 0600;    // a writable regular file is always set to this mode
  bool direct = true;      // try O_DIRECT
  // O_DIRECT is used only if its offset alignment divides this (the caller's request
  // size, e.g. the chunk size); 0: any alignment up to a page.
  uint64_t direct_unit = 0;
  // A buffered read-only file drops its cached pages at open, so reads come from the drive.
  bool drop_cache = false;
};

enum class BulkOp { kRead, kWrite, kSync };

class BulkFile {
 public:
  virtual ~BulkFile() = default;

  virtual const std::string& path() const = 0;
  virtual bool block_device() const = 0;
  // Whether aligned requests bypass the page cache.
  virtual bool direct() const = 0;
  // Why O_DIRECT is not used (empty when it is).
  virtual const std::string& fallback_reason() const = 0;
  // O_DIRECT alignment of offsets and lengths, and of buffer addresses (1 when buffered).
  virtual uint32_t offset_align() const = 0;
  virtual uint32_t mem_align() const = 0;
  // The descriptor to queue a request for `length` bytes at `offset` into or from `buf`
  // on: the O_DIRECT one when all three are aligned, otherwise the buffered one.
  virtual int FdFor(const void* buf, uint64_t offset, uint64_t length) const = 0;
  // The descriptor fdatasync is queued on (either covers the file's data).
  virtual int SyncFd() const = 0;

  // Every asynchronous (io_uring) completion of a request on this file passes through
  // here before its caller uses it: `result` is the kernel's (bytes, or a negative errno)
  // and the return value is the one to act on. Requests of `requested` bytes at `offset`
  // (0 for a sync).
  virtual int Complete(BulkOp op, uint64_t offset, size_t requested, int result) = 0;

  // Synchronous I/O, like pread/pwrite (may transfer fewer bytes), on FdFor()'s descriptor.
  virtual Result<size_t> Read(uint64_t offset, std::span<uint8_t> out) = 0;
  virtual Result<size_t> Write(uint64_t offset, std::span<const uint8_t> data) = 0;
  virtual Status DataSync() = 0;
  // Reserves [0, size) so later writes cannot fail with ENOSPC: NoSpace when the file
  // system has too little room, Unsupported where it cannot preallocate.
  virtual Status Allocate(uint64_t size) = 0;
  virtual Status Truncate(uint64_t size) = 0;
  // An exclusive, non-blocking flock: Busy when another process holds it.
  virtual Status Lock() = 0;
  virtual Result<uint64_t> Size() = 0;
};

// Reads exactly out.size() bytes at `offset` with Read; end of file first is Corruption.
Status ReadFully(BulkFile& file, uint64_t offset, std::span<uint8_t> out);

// The POSIX implementation behind Env::Default()->OpenBulkFile.
Result<std::unique_ptr<BulkFile>> OpenPosixBulkFile(const std::string& path,
                                                    const BulkOpenOptions& options);

// Forwards every call (as FileWrapper does for File).
class BulkFileWrapper : public BulkFile {
 public:
  explicit BulkFileWrapper(std::unique_ptr<BulkFile> base) : base_(std::move(base)) {}
  const std::string& path() const override { return base_->path(); }
  bool block_device() const override { return base_->block_device(); }
  bool direct() const override { return base_->direct(); }
  const std::string& fallback_reason() const override { return base_->fallback_reason(); }
  uint32_t offset_align() const override { return base_->offset_align(); }
  uint32_t mem_align() const override { return base_->mem_align(); }
  int FdFor(const void* buf, uint64_t offset, uint64_t length) const override {
    return base_->FdFor(buf, offset, length);
  }
  int SyncFd() const override { return base_->SyncFd(); }
  int Complete(BulkOp op, uint64_t offset, size_t requested, int result) override {
    return base_->Complete(op, offset, requested, result);
  }
  Result<size_t> Read(uint64_t offset, std::span<uint8_t> out) override {
    return base_->Read(offset, out);
  }
  Result<size_t> Write(uint64_t offset, std::span<const uint8_t> data) override {
    return base_->Write(offset, data);
  }
  Status DataSync() override { return base_->DataSync(); }
  Status Allocate(uint64_t size) override { return base_->Allocate(size); }
  Status Truncate(uint64_t size) override { return base_->Truncate(size); }
  Status Lock() override { return base_->Lock(); }
  Result<uint64_t> Size() override { return base_->Size(); }

 protected:
  BulkFile& base() { return *base_; }

 private:
  std::unique_ptr<BulkFile> base_;
};

}  // namespace otc
