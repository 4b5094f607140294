#include "padgen/destination.h"

#include <fcntl.h>
#include <linux/fs.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/env.h"
#include "common/secret_buffer.h"

namespace otc::padgen {
namespace {

constexpr uint32_t kPageSize = 4096;  // chunk buffers are page-aligned (SecretBuffer)

int OpenRetry(const std::string& path, int flags, mode_t mode = 0600) {
  int fd;
  do {
    fd = ::open(path.c_str(), flags, mode);
  } while (fd < 0 && errno == EINTR);
  return fd;
}

Result<uint64_t> BlockDeviceSize(const std::string& path) {
  int fd = OpenRetry(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status::FromErrno(errno, "opening " + path);
  uint64_t size = 0;
  int rc = ::ioctl(fd, BLKGETSIZE64, &size);
  int err = errno;
  ::close(fd);
  if (rc != 0) return Status::FromErrno(err, "measuring block device " + path);
  return size;
}

std::string WhatToDoWhenExists() {
  return "re-run with --resume to continue it, or with --force to overwrite it";
}

}  // namespace

DioAlignment QueryDioAlignment(int fd) {
  DioAlignment a;
#ifdef STATX_DIOALIGN
  struct statx sx {};
  if (::statx(fd, "", AT_EMPTY_PATH, STATX_DIOALIGN | STATX_TYPE, &sx) == 0 &&
      (sx.stx_mask & STATX_DIOALIGN) != 0) {
    a.from_statx = true;
    a.mem = sx.stx_dio_mem_align;
    a.offset = sx.stx_dio_offset_align;
    return a;  // {0, 0} means O_DIRECT is not supported on this file
  }
#endif
  struct stat st;
  if (::fstat(fd, &st) != 0) return a;
  uint32_t block = 512;
  if (S_ISBLK(st.st_mode)) {
    int logical = 0;
    if (::ioctl(fd, BLKSSZGET, &logical) == 0 && logical > 0)
      block = static_cast<uint32_t>(logical);
  } else if (st.st_blksize > 0) {
    block = static_cast<uint32_t>(st.st_blksize);
  }
  a.mem = block;
  a.offset = block;
  return a;
}

Result<DestinationCheck> CheckDestination(const DestinationSpec& spec, OpenMode mode) {
  DestinationCheck check;
  const std::string& path = spec.pad_path;
  struct stat st;
  if (::stat(path.c_str(), &st) == 0) {
    if (S_ISDIR(st.st_mode)) {
      return Status::InvalidArgument(spec.label + ": " + path +
                                     " is a directory; give the path of a pad file to create");
    }
    if (S_ISBLK(st.st_mode)) {
      check.block_device = true;
      Result<uint64_t> size = BlockDeviceSize(path);
      if (!size.ok()) return size.status();
      check.device_size = *size;
      if (mode == OpenMode::kCreate) {
        return Status::AlreadyExists(spec.label + ": " + path +
                                     " is a block device and writing a pad overwrites it; "
                                     "pass --force if that is what you want");
      }
      if (::access(path.c_str(), W_OK) != 0) {
        return Status::FromErrno(errno, spec.label + ": cannot write to " + path);
      }
    } else if (!S_ISREG(st.st_mode)) {
      return Status::InvalidArgument(spec.label + ": " + path +
                                     " is neither a regular file nor a block device");
    } else {
      check.pad_exists = true;
      check.allocated_bytes = static_cast<uint64_t>(st.st_blocks) * 512;
      if (mode == OpenMode::kCreate) {
        return Status::AlreadyExists(spec.label + ": a pad already exists at " + path + "; " +
                                     WhatToDoWhenExists());
      }
    }
  } else if (errno != ENOENT && errno != ENOTDIR) {
    return Status::FromErrno(errno, spec.label + ": cannot use " + path);
  }
  if (::stat(spec.manifest_path.c_str(), &st) == 0) {
    check.manifest_exists = true;
    if (mode == OpenMode::kCreate) {
      return Status::AlreadyExists(spec.label + ": a pad manifest already exists at " +
                                   spec.manifest_path + "; " + WhatToDoWhenExists());
    }
  }

  // The nearest existing ancestor of the directory that will hold the pad file (for a
  // block device: its manifest) must be a writable directory.
  std::string dir = DirName(check.block_device ? spec.manifest_path : path);
  std::vector<std::string> missing;
  while (true) {
    if (::stat(dir.c_str(), &st) == 0) break;
    if (errno == ENOTDIR) {
      // Some ancestor is a file: keep walking up to name it.
    } else if (errno != ENOENT) {
      return Status::FromErrno(errno, spec.label + ": cannot use " + dir);
    }
    missing.insert(missing.begin(), dir);
    std::string parent = DirName(dir);
    if (parent == dir) break;
    dir = parent;
  }
  if (!S_ISDIR(st.st_mode)) {
    return Status::InvalidArgument(spec.label + ": " + dir +
                                   " is not a directory; choose a directory for the pad");
  }
  check.existing_dir = dir;
  check.missing_dirs = std::move(missing);
  check.filesystem = st.st_dev;
  struct statvfs vfs;
  if (::statvfs(dir.c_str(), &vfs) != 0) {
    return Status::FromErrno(errno, spec.label + ": cannot inspect the file system of " + dir);
  }
  if ((vfs.f_flag & ST_RDONLY) != 0) {
    return Status::Denied(spec.label + ": " + dir +
                          " is on a read-only file system; choose a writable destination");
  }
  if (::access(dir.c_str(), W_OK | X_OK) != 0) {
    return Status::Denied(spec.label + ": cannot write to " + dir + " (" + std::strerror(errno) +
                          "); choose a directory you can write to");
  }
  check.space_known = vfs.f_blocks != 0;
  check.free_bytes = static_cast<uint64_t>(vfs.f_bavail) * vfs.f_frsize;
  return check;
}

Destination::~Destination() {
  if (direct_fd_ >= 0 && direct_fd_ != buffered_fd_) ::close(direct_fd_);
  if (buffered_fd_ >= 0) ::close(buffered_fd_);
}

void Destination::RemoveCreated() {
  if (direct_fd_ >= 0 && direct_fd_ != buffered_fd_) ::close(direct_fd_);
  if (buffered_fd_ >= 0) ::close(buffered_fd_);
  direct_fd_ = buffered_fd_ = -1;
  if (created_file_) ::unlink(spec_.pad_path.c_str());
  for (auto it = created_dirs_.rbegin(); it != created_dirs_.rend(); ++it) ::rmdir(it->c_str());
  created_file_ = false;
  created_dirs_.clear();
}

Result<std::unique_ptr<Destination>> Destination::Open(const DestinationSpec& spec,
                                                       uint64_t pad_size, uint64_t chunk_size,
                                                       OpenMode mode, const IoHooks& hooks) {
  Result<DestinationCheck> check = CheckDestination(spec, mode);
  if (!check.ok()) return check.status();
  std::unique_ptr<Destination> d(new Destination());
  d->spec_ = spec;
  d->block_device_ = check->block_device;
  auto fail = [&](Status s) -> Status {
    d->RemoveCreated();
    return s;
  };

  for (const std::string& dir : check->missing_dirs) {
    if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
      return fail(Status::FromErrno(errno, spec.label + ": creating directory " + dir));
    }
    d->created_dirs_.push_back(dir);
  }

  const std::string& path = spec.pad_path;
  int flags = O_RDWR | O_CLOEXEC;
  if (d->block_device_) {
    flags |= O_EXCL;  // on a block device: fail if it is mounted or otherwise held
  } else if (!check->pad_exists) {
    flags |= O_CREAT | O_EXCL;
  } else if (mode == OpenMode::kForce) {
    flags |= O_TRUNC;
  }
  d->buffered_fd_ = OpenRetry(path, flags, 0600);
  if (d->buffered_fd_ < 0) {
    int err = errno;
    if (d->block_device_ && err == EBUSY) {
      return fail(Status::Busy(spec.label + ": block device " + path +
                               " is in use (mounted?); unmount it first"));
    }
    return fail(Status::FromErrno(err, spec.label + ": cannot create the pad file " + path));
  }
  d->created_file_ = !d->block_device_ && !check->pad_exists;
  if (!d->block_device_) {
    if (::fchmod(d->buffered_fd_, 0600) != 0) {
      return fail(Status::FromErrno(errno, spec.label + ": chmod 0600 " + path));
    }
    if (::flock(d->buffered_fd_, LOCK_EX | LOCK_NB) != 0) {
      int err = errno;
      if (err == EWOULDBLOCK) {
        return fail(Status::Busy(spec.label + ": " + path +
                                 " is being written by another padgen process; wait for it "
                                 "or stop it first"));
      }
      return fail(Status::FromErrno(err, spec.label + ": locking " + path));
    }
  }

  if (d->block_device_) {
    if (check->device_size < pad_size) {
      return fail(Status::NoSpace(spec.label + ": block device " + path + " holds " +
                                  std::to_string(check->device_size) + " bytes but the pad needs " +
                                  std::to_string(pad_size) + "; choose a smaller --size"));
    }
  } else {
    // Preallocate so that ENOSPC shows up now, not after days of generation.
    if (::fallocate(d->buffered_fd_, 0, 0, static_cast<off_t>(pad_size)) != 0) {
      int err = errno;
      if (err == EOPNOTSUPP || err == ENOSYS) {
        if (::ftruncate(d->buffered_fd_, static_cast<off_t>(pad_size)) != 0) {
          return fail(Status::FromErrno(errno, spec.label + ": sizing " + path));
        }
      } else if (err == ENOSPC || err == EDQUOT) {
        return fail(Status::NoSpace(spec.label + ": not enough free space for a " +
                                    std::to_string(pad_size) + "-byte pad at " + path +
                                    "; free some space or choose a smaller --size"));
      } else {
        return fail(Status::FromErrno(err, spec.label + ": preallocating " + path));
      }
    }
  }

  // O_DIRECT, unless the file system refuses it.
  auto fallback = [&](std::string why) {
    if (d->direct_fd_ >= 0 && d->direct_fd_ != d->buffered_fd_) ::close(d->direct_fd_);
    d->direct_fd_ = d->buffered_fd_;
    d->direct_ = false;
    d->fallback_reason_ = std::move(why);
  };
  if (hooks.refuse_direct_io) {
    fallback("O_DIRECT disabled");
  } else {
    int dfd = OpenRetry(path, O_RDWR | O_CLOEXEC | O_DIRECT);
    if (dfd < 0) {
      int err = errno;
      if (err != EINVAL) return fail(Status::FromErrno(err, spec.label + ": opening " + path));
      fallback("the file system refuses O_DIRECT");
    } else {
      d->direct_fd_ = dfd;
      d->direct_ = true;
      DioAlignment a = QueryDioAlignment(dfd);
      if (a.offset == 0) {
        fallback("the file system does not support O_DIRECT for this file");
      } else if (a.mem > kPageSize || chunk_size % a.offset != 0) {
        fallback("the O_DIRECT alignment (" + std::to_string(a.offset) +
                 " bytes) does not divide the chunk size");
      } else {
        d->mem_align_ = std::max<uint32_t>(a.mem, 1);
        d->offset_align_ = a.offset;
        // Some file systems accept O_DIRECT at open and refuse it at the first I/O: probe
        // with a read (never a write, which could clobber a resumed pad's data).
        SecretBuffer probe(std::max<uint32_t>(a.offset, kPageSize));  // page-aligned, wiped
        ssize_t n = ::pread(dfd, probe.data(), a.offset, 0);
        int err = errno;
        if (n < 0 && err == EINVAL) fallback("the file system refuses O_DIRECT reads");
      }
    }
  }
  return d;
}

}  // namespace otc::padgen
