// The POSIX BulkFile: a buffered and an O_DIRECT descriptor on one pad file.
#include <fcntl.h>
#include <linux/fs.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>

#include "common/bulk_file.h"
#include "common/secret_buffer.h"

namespace otc {
namespace {

// Buffers handed to a BulkFile are page-aligned (SecretBuffer), so O_DIRECT is usable
// only where the file system asks for no more than that.
constexpr uint32_t kPageSize = 4096;

int OpenRetry(const std::string& path, int flags, mode_t mode) {
  int fd;
  do {
    fd = ::open(path.c_str(), flags, mode);
  } while (fd < 0 && errno == EINTR);
  return fd;
}

struct DioAlignment {
  uint32_t mem = 0;
  uint32_t offset = 0;  // 0: O_DIRECT is not supported on this file
};

// The one place O_DIRECT alignment is worked out.
DioAlignment QueryDioAlignment(int fd) {
  DioAlignment a;
#ifdef STATX_DIOALIGN
  struct statx sx {};
  if (::statx(fd, "", AT_EMPTY_PATH, STATX_DIOALIGN | STATX_TYPE, &sx) == 0 &&
      (sx.stx_mask & STATX_DIOALIGN) != 0) {
    a.mem = sx.stx_dio_mem_align;
    a.offset = sx.stx_dio_offset_align;
    return a;
  }
#endif
  struct stat st;
  if (::fstat(fd, &st) != 0) return a;
  uint32_t block = 512;
  if (S_ISBLK(st.st_mode)) {
    int logical = 0;
    if (::ioctl(fd, BLKSSZGET, &logical) == 0 && logical > 0) {
      block = static_cast<uint32_t>(logical);
    }
  } else if (st.st_blksize > 0) {
    block = static_cast<uint32_t>(st.st_blksize);
  }
  a.mem = block;
  a.offset = block;
  return a;
}

class PosixBulkFile final : public BulkFile {
 public:
  PosixBulkFile(std::string path, int fd, bool block_device)
      : path_(std::move(path)), buffered_fd_(fd), block_device_(block_device) {}
  ~PosixBulkFile() override {
    if (direct_fd_ >= 0) ::close(direct_fd_);
    ::close(buffered_fd_);
  }

  // Sets up O_DIRECT, or records why not. Errors other than a refusal are returned.
  Status SetUpDirect(const BulkOpenOptions& options) {
    if (!options.direct) return Fallback("O_DIRECT disabled");
    int fd = OpenRetry(path_, (options.write ? O_RDWR : O_RDONLY) | O_CLOEXEC | O_DIRECT, 0);
    if (fd < 0) {
      if (errno != EINVAL) return Status::FromErrno(errno, "opening " + path_);
      return Fallback("the file system refuses O_DIRECT");
    }
    direct_fd_ = fd;
    DioAlignment a = QueryDioAlignment(fd);
    if (a.offset == 0) return Fallback("the file system does not support O_DIRECT for this file");
    if (a.mem > kPageSize || a.offset > kPageSize ||
        (options.direct_unit != 0 && options.direct_unit % a.offset != 0)) {
      return Fallback("the O_DIRECT alignment (" + std::to_string(a.offset) +
                      " bytes) does not divide the chunk size");
    }
    // Some file systems accept O_DIRECT at open and refuse it at the first I/O: probe
    // with a read (never a write, which could clobber data already there).
    SecretBuffer probe(kPageSize);  // page-aligned, wiped
    ssize_t n = ::pread(fd, probe.data(), a.offset, 0);
    if (n < 0 && errno == EINVAL) return Fallback("the file system refuses O_DIRECT reads");
    direct_ = true;
    mem_align_ = std::max<uint32_t>(a.mem, 1);
    offset_align_ = a.offset;
    return Status::Ok();
  }

  const std::string& path() const override { return path_; }
  bool block_device() const override { return block_device_; }
  bool direct() const override { return direct_; }
  const std::string& fallback_reason() const override { return fallback_reason_; }
  uint32_t offset_align() const override { return offset_align_; }
  uint32_t mem_align() const override { return mem_align_; }

  int FdFor(const void* buf, uint64_t offset, uint64_t length) const override {
    const bool aligned = offset % offset_align_ == 0 && length % offset_align_ == 0 &&
                         reinterpret_cast<uintptr_t>(buf) % mem_align_ == 0;
    return direct_ && aligned ? direct_fd_ : buffered_fd_;
  }
  int SyncFd() const override { return buffered_fd_; }
  int Complete(BulkOp, uint64_t, size_t, int result) override { return result; }

  Result<size_t> Read(uint64_t offset, std::span<uint8_t> out) override {
    while (true) {
      ssize_t n = ::pread(FdFor(out.data(), offset, out.size()), out.data(), out.size(),
                          static_cast<off_t>(offset));
      if (n >= 0) return static_cast<size_t>(n);
      if (errno != EINTR) return Status::FromErrno(errno, "reading " + path_);
    }
  }

  Result<size_t> Write(uint64_t offset, std::span<const uint8_t> data) override {
    while (true) {
      ssize_t n = ::pwrite(FdFor(data.data(), offset, data.size()), data.data(), data.size(),
                           static_cast<off_t>(offset));
      if (n >= 0) return static_cast<size_t>(n);
      if (errno != EINTR) return Status::FromErrno(errno, "writing " + path_);
    }
  }

  Status DataSync() override {
    if (::fdatasync(buffered_fd_) != 0) return Status::FromErrno(errno, "fdatasync " + path_);
    return Status::Ok();
  }

  Status Allocate(uint64_t size) override {
    if (::fallocate(buffered_fd_, 0, 0, static_cast<off_t>(size)) == 0) return Status::Ok();
    int err = errno;
    if (err == EOPNOTSUPP || err == ENOSYS) {
      return Status::Unsupported(path_ + ": the file system cannot preallocate");
    }
    return Status::FromErrno(err, "allocating space for " + path_);
  }

  Status Truncate(uint64_t size) override {
    if (::ftruncate(buffered_fd_, static_cast<off_t>(size)) != 0) {
      return Status::FromErrno(errno, "truncating " + path_);
    }
    return Status::Ok();
  }

  Status Lock() override {
    if (::flock(buffered_fd_, LOCK_EX | LOCK_NB) != 0) {
      return Status::FromErrno(errno, "locking " + path_);  // EWOULDBLOCK: Busy
    }
    return Status::Ok();
  }

  Result<uint64_t> Size() override {
    if (block_device_) {
      uint64_t size = 0;
      if (::ioctl(buffered_fd_, BLKGETSIZE64, &size) != 0) {
        return Status::FromErrno(errno, "measuring block device " + path_);
      }
      return size;
    }
    struct stat st;
    if (::fstat(buffered_fd_, &st) != 0) return Status::FromErrno(errno, "stat " + path_);
    return static_cast<uint64_t>(st.st_size);
  }

 private:
  Status Fallback(std::string why) {
    if (direct_fd_ >= 0) ::close(direct_fd_);
    direct_fd_ = -1;
    direct_ = false;
    mem_align_ = offset_align_ = 1;
    fallback_reason_ = std::move(why);
    return Status::Ok();
  }

  std::string path_;
  int buffered_fd_;
  int direct_fd_ = -1;
  bool block_device_;
  bool direct_ = false;
  uint32_t mem_align_ = 1;
  uint32_t offset_align_ = 1;
  std::string fallback_reason_;
};

}  // namespace

Result<std::unique_ptr<BulkFile>> OpenPosixBulkFile(const std::string& path,
                                                    const BulkOpenOptions& options) {
  int flags = O_CLOEXEC | (options.write ? O_RDWR : O_RDONLY);
  if (options.create) flags |= O_CREAT;
  if (options.exclusive) flags |= O_EXCL;
  if (options.truncate) flags |= O_TRUNC;
  int fd = OpenRetry(path, flags, options.mode);
  if (fd < 0) {
    if (errno == EBUSY) return Status::Busy(path + " is in use");
    return Status::FromErrno(errno, "opening " + path);
  }
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    int err = errno;
    ::close(fd);
    return Status::FromErrno(err, "stat " + path);
  }
  auto file = std::make_unique<PosixBulkFile>(path, fd, S_ISBLK(st.st_mode));
  if (options.write && S_ISREG(st.st_mode) && ::fchmod(fd, options.mode) != 0) {
    return Status::FromErrno(errno, "chmod " + path);
  }
  if (Status s = file->SetUpDirect(options); !s.ok()) return s;
  if (!file->direct() && options.drop_cache) ::posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
  return std::unique_ptr<BulkFile>(std::move(file));
}

Status ReadFully(BulkFile& file, uint64_t offset, std::span<uint8_t> out) {
  size_t done = 0;
  while (done < out.size()) {
    Result<size_t> n = file.Read(offset + done, out.subspan(done));
    if (!n.ok()) return n.status();
    if (*n == 0) {
      return Status::Corruption(file.path() + ": unexpected end of file at " +
                                std::to_string(offset + done));
    }
    done += *n;
  }
  return Status::Ok();
}

}  // namespace otc
