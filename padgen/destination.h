// Destination: one copy of the pad being generated (a pad file or a block device).
//
// The pad data goes through a BulkFile opened with the job's Env (common/bulk_file.h):
// O_DIRECT for the aligned bulk, buffered for a last chunk whose length is not a
// multiple of the alignment, and buffered throughout where the file system refuses
// O_DIRECT (the file's fallback_reason says why; the pipeline then relies on fdatasync
// alone).
//
// Pad files are created 0600, preallocated with fallocate(2) so that a run cannot hit
// ENOSPC half-way on an ordinary file system, and flock'ed so two padgen processes
// cannot write the same pad.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/bulk_file.h"
#include "common/env.h"
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
  // kForce/kResume) through `env`, locks it, sets up O_DIRECT, and preallocates
  // `pad_size` bytes.
  static Result<std::unique_ptr<Destination>> Open(Env& env, const DestinationSpec& spec,
                                                   uint64_t pad_size, uint64_t chunk_size,
                                                   OpenMode mode);
  ~Destination();
  Destination(const Destination&) = delete;
  Destination& operator=(const Destination&) = delete;

  const DestinationSpec& spec() const { return spec_; }
  // The pad data. Valid until RemoveCreated.
  BulkFile& file() { return *file_; }
  bool direct() const { return direct_; }
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
  explicit Destination(Env& env) : env_(env) {}
  Env& env_;
  DestinationSpec spec_;
  std::unique_ptr<BulkFile> file_;
  bool direct_ = false;          // as the file said, kept for the report after RemoveCreated
  std::string fallback_reason_;  // likewise
  bool block_device_ = false;
  bool created_file_ = false;
  std::vector<std::string> created_dirs_;
};

}  // namespace otc::padgen
