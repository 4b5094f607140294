// PadScanner: reads chosen extents of a (large) pad file at disk speed, for fsck.
//
// The pad is opened through the Env as a BulkFile (common/bulk_file.h). Large aligned
// reads (1 MiB by default) are kept in flight with io_uring (queue depth 16) and
// O_DIRECT, so the page cache is neither used nor polluted; the bytes are handed to the
// caller strictly in file order. Reads whose start is not aligned go through the file's
// buffered descriptor, as does everything where O_DIRECT is refused (tmpfs); pread(2)
// replaces io_uring when it is unavailable (seccomp, old kernels).
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "common/env.h"
#include "common/status.h"
#include "padstore/pad_layout.h"

namespace otc::padstore {

struct ScanOptions {
  size_t block_size = size_t{1} << 20;
  unsigned queue_depth = 16;
  bool direct = true;        // try O_DIRECT (BulkOpenOptions::direct)
  bool use_io_uring = true;  // false: plain pread loop
};

struct ScanStats {
  uint64_t bytes_read = 0;
  bool used_direct = false;
  bool used_io_uring = false;
};

// Calls `consume(offset, bytes)` for consecutive pieces covering every extent, in order.
// Extents must be sorted and disjoint. A consume error stops the scan and is returned.
Status ScanFile(Env& env, const std::string& path, const std::vector<IndexRange>& extents,
                const ScanOptions& options,
                const std::function<Status(uint64_t, std::span<const uint8_t>)>& consume,
                ScanStats* stats);

}  // namespace otc::padstore
