// Destination: one copy of the pad being generated (a pad file or a block device).
//
// A destination is opened twice: `direct_fd` with O_DIRECT for the bulk data, and
// `buffered_fd` without, for a last chunk whose length is not a multiple of the
// alignment. Alignment comes from statx(STATX_DIOALIGN) where the kernel and file
// system report it (Linux 6.1+), otherwise the logical block size (BLKSSZGET for block
// devices, st_blksize for files). Where O_DIRECT is refused (ramfs, some FUSE and
// network file systems: open or a probe read fails with EINVAL) both fds are buffered
// and `fallback_reason` says why; the pipeline then relies on fdatasync alone.
//
// Pad files are created 0600, preallocated with fallocate(2) so that a run cannot hit
// ENOSPC half-way on an ordinary file system, and flock'ed so two padgen processes
// cannot write the same pad.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/status.h"

namespace otc::padgen {

struct DestinationSpec {
  std::string label;          // for messages: the user name, or the -o path
  std::string pad_path;       // the pad file or block device
  std::string manifest_path;  // where its manifest lives
};

enum class OpenMode {
  kCreate,  // the pad must not exist yet
  kForce,   // replace an existing pad
  kResume,  // continue an existing pad (or start it if missing)
};

// Test hooks on the data path (the Env interface covers only metadata).
enum class IoOp { kWrite, kSync, kRead };
struct IoHooks {
  // Sees every io_uring completion before the pipeline uses it and returns the result
  // to use: return `result` to pass it through, or a negative errno to inject a fault.
  std::function<int(IoOp op, size_t dest, uint64_t offset, int result)> on_complete;
  // Behave as if the file system refused O_DIRECT.
  bool refuse_direct_io = false;
};

// What the preflight found out about a destination, before anything is created.
struct DestinationCheck {
  bool pad_exists = false;
  bool manifest_exists = false;
  bool block_device = false;
  uint64_t device_size = 0;               // block devices
  uint64_t allocated_bytes = 0;           // existing pad file's allocated size (resume)
  dev_t filesystem = 0;                   // st_dev of the directory that will hold the pad
  std::string existing_dir;               // nearest existing ancestor directory
  std::vector<std::string> missing_dirs;  // to create, outermost first
  bool space_known = true;                // statvfs reports a size (false on ramfs)
  uint64_t free_bytes = 0;
};

// Looks at a destination without changing anything: existence, writability, space.
// Usage problems (not a directory, read-only file system, pad exists in kCreate mode)
// come back as errors that say what to do.
Result<DestinationCheck> CheckDestination(const DestinationSpec& spec, OpenMode mode);

class Destination {
 public:
  // Creates missing directories and the pad file (or opens the existing one for
  // kForce/kResume), locks it, sets up O_DIRECT, and preallocates `pad_size` bytes.
  static Result<std::unique_ptr<Destination>> Open(const DestinationSpec& spec, uint64_t pad_size,
                                                   uint64_t chunk_size, OpenMode mode,
                                                   const IoHooks& hooks);
  ~Destination();
  Destination(const Destination&) = delete;
  Destination& operator=(const Destination&) = delete;

  const DestinationSpec& spec() const { return spec_; }
  int direct_fd() const { return direct_fd_; }
  int buffered_fd() const { return buffered_fd_; }
  bool direct() const { return direct_; }
  uint32_t offset_align() const { return offset_align_; }
  uint32_t mem_align() const { return mem_align_; }
  bool block_device() const { return block_device_; }
  // Why O_DIRECT is not used (empty when it is).
  const std::string& fallback_reason() const { return fallback_reason_; }
  // Whether this run created the pad file (so a failed setup can remove it).
  bool created_file() const { return created_file_; }
  const std::vector<std::string>& created_dirs() const { return created_dirs_; }
  // Removes the pad file and directories this run created (setup failed before any
  // chunk was written). Closes the file.
  void RemoveCreated();

 private:
  Destination() = default;
  DestinationSpec spec_;
  int direct_fd_ = -1;
  int buffered_fd_ = -1;
  bool direct_ = false;
  uint32_t offset_align_ = 4096;
  uint32_t mem_align_ = 4096;
  bool block_device_ = false;
  std::string fallback_reason_;
  bool created_file_ = false;
  std::vector<std::string> created_dirs_;
};

// O_DIRECT alignment of an open file: {memory, offset}; {0, 0} if O_DIRECT is not
// supported according to statx. Falls back to the logical block size.
struct DioAlignment {
  uint32_t mem = 0;
  uint32_t offset = 0;
  bool from_statx = false;
};
DioAlignment QueryDioAlignment(int fd);

}  // namespace otc::padgen
