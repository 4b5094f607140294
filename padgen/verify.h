// Read-back verification: every destination's pad against its own manifest.
//
// After writing (`--verify`, the default) padgen reads every copy back through the Env as
// a BulkFile with O_DIRECT (so the data comes from the drive, not the page cache;
// buffered reads after POSIX_FADV_DONTNEED where O_DIRECT is refused), computes XXH3-128 per chunk
// and compares it with the chunk digests in that copy's manifest. It also checks that every
// manifest is complete and that all copies have the same pad id. All copies are read in parallel
// through one io_uring.
#pragma once

#include <atomic>
#include <cstdint>
#include <vector>

#include "common/env.h"
#include "common/status.h"
#include "padgen/destination.h"
#include "padstore/manifest.h"

namespace otc::padgen {

struct VerifyOptions {
  size_t queue_depth = 4;                           // chunk reads in flight per destination
  std::atomic<uint64_t>* bytes_verified = nullptr;  // progress, summed over destinations
  const std::atomic<bool>* cancel = nullptr;
};

// Ok when every destination matches its manifest. A mismatch is Corruption naming the
// destination (label and path) and the byte range of the first bad chunk.
Result<padstore::Digest128> VerifyPads(Env& env, const std::vector<DestinationSpec>& targets,
                                       const VerifyOptions& options);

}  // namespace otc::padgen
