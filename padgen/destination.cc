#include "padgen/destination.h"

#include <fcntl.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/env.h"

namespace otc::padgen {
namespace {

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

Destination::~Destination() = default;

void Destination::RemoveCreated() {
  file_.reset();
  if (created_file_) env_.RemoveFile(spec_.pad_path).ok();
  for (auto it = created_dirs_.rbegin(); it != created_dirs_.rend(); ++it) ::rmdir(it->c_str());
  created_file_ = false;
  created_dirs_.clear();
}

Result<std::unique_ptr<Destination>> Destination::Open(Env& env, const DestinationSpec& spec,
                                                       uint64_t pad_size, uint64_t chunk_size,
                                                       OpenMode mode) {
  Result<DestinationCheck> check = CheckDestination(spec, mode);
  if (!check.ok()) return check.status();
  std::unique_ptr<Destination> d(new Destination(env));
  d->spec_ = spec;
  d->block_device_ = check->block_device;
  auto fail = [&](Status s) -> Status {
    d->RemoveCreated();
    return s;
  };

  for (const std::string& dir : check->missing_dirs) {
    Status s = env.CreateDir(dir, 0700);
    if (!s.ok()) return fail(s.WithContext(spec.label + ": creating directory " + dir));
    d->created_dirs_.push_back(dir);
  }

  const std::string& path = spec.pad_path;
  BulkOpenOptions options;
  options.write = true;
  options.direct_unit = chunk_size;
  if (d->block_device_) {
    options.exclusive = true;  // on a block device: fail if it is mounted or otherwise held
  } else if (!check->pad_exists) {
    options.create = options.exclusive = true;
  } else if (mode == OpenMode::kForce) {
    options.truncate = true;
  }
  Result<std::unique_ptr<BulkFile>> file = env.OpenBulkFile(path, options);
  if (!file.ok()) {
    if (d->block_device_ && file.status().code() == Status::Code::kBusy) {
      return fail(Status::Busy(spec.label + ": block device " + path +
                               " is in use (mounted?); unmount it first"));
    }
    return fail(file.status().WithContext(spec.label + ": cannot create the pad file"));
  }
  d->file_ = std::move(*file);
  d->direct_ = d->file_->direct();
  d->fallback_reason_ = d->file_->fallback_reason();
  d->created_file_ = !d->block_device_ && !check->pad_exists;
  if (!d->block_device_) {
    Status s = d->file_->Lock();
    if (s.code() == Status::Code::kBusy) {
      return fail(Status::Busy(spec.label + ": " + path +
                               " is being written by another padgen process; wait for it "
                               "or stop it first"));
    }
    if (!s.ok()) return fail(s.WithContext(spec.label));
  }

  if (d->block_device_) {
    if (check->device_size < pad_size) {
      return fail(Status::NoSpace(spec.label + ": block device " + path + " holds " +
                                  std::to_string(check->device_size) + " bytes but the pad needs " +
                                  std::to_string(pad_size) + "; choose a smaller --size"));
    }
    return d;
  }
  // Preallocate so that ENOSPC shows up now, not after days of generation.
  Status s = d->file_->Allocate(pad_size);
  if (s.code() == Status::Code::kUnsupported) {
    s = d->file_->Truncate(pad_size);
    if (!s.ok()) return fail(s.WithContext(spec.label + ": sizing " + path));
  } else if (s.code() == Status::Code::kNoSpace) {
    return fail(Status::NoSpace(spec.label + ": not enough free space for a " +
                                std::to_string(pad_size) + "-byte pad at " + path +
                                "; free some space or choose a smaller --size"));
  } else if (!s.ok()) {
    return fail(s.WithContext(spec.label + ": preallocating " + path));
  }
  return d;
}

}  // namespace otc::padgen
