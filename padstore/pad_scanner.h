// PadScanner: reads chosen extents of a (large) pad file at disk speed, for fsck.
//
// Large aligned reads (1 MiB by default) are kept in flight with io_uring (queue depth 16)
// and O_DIRECT, so the page cache is neither used nor polluted; the bytes are handed to
// the caller strictly in file order. Falls back to buffered reads when O_DIRECT is not
// possible (unaligned extents, tmpfs) and to pread(2) when io_uring is unavailable
// (seccomp, old kernels). Read-only: it bypasses Env because it never writes and its
// results are checked against the manifest anyway.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "common/status.h"
#include "padstore/pad_layout.h"

namespace otc::padstore {

struct ScanOptions {
  size_t block_size = size_t{1} << 20;
  unsigned queue_depth = 16;
  bool direct = true;        // try O_DIRECT
  bool use_io_uring = true;  // false: plain pread loop
};

struct ScanStats {
  uint64_t bytes_read = 0;
  bool used_direct = false;
  bool used_io_uring = false;
};

// Calls `consume(offset, bytes)` for consecutive pieces covering every extent, in order.
// Extents must be sorted and disjoint. A consume error stops the scan and is returned.
Status ScanFile(const std::string& path, const std::vector<IndexRange>& extents,
                const ScanOptions& options,
                const std::function<Status(uint64_t, std::span<const uint8_t>)>& consume,
                ScanStats* stats);

}  // namespace otc::padstore
