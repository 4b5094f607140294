// The generation pipeline: source -> [transforms] -> digest -> io_uring writes to every
// destination -> fdatasync -> manifest records.
//
//   filler threads (PreferredFillers of the source) take a free chunk buffer, claim the
//   next chunk number, fill it from the source, run the transforms, compute the chunk's
//   XXH3-128 and queue it;
//   the writer thread (the caller's) submits each queued chunk to every destination at
//   once with io_uring (common/io_ring.h) on the destination's BulkFile (O_DIRECT where
//   available); a buffer is free again as soon as all
//   its writes have completed. A destination is fdatasync'ed (one sync in flight at a
//   time) when `sync_bytes` of completed writes are not yet covered (by default one
//   chunk: a sync starts as soon as a chunk is written, and the chunks that complete
//   while it runs wait for the next one, a natural group commit), or as soon as it is
//   idle because the source is slow, or at the end;
//   one manifest thread per destination appends the digests of the chunks that its
//   fdatasync made durable (ManifestWriter syncs each record).
//
// So a chunk's digest reaches a manifest only after the chunk is durable on that
// destination, and after a crash every destination's manifest names a prefix of durable
// chunks; --resume continues after the shortest. With a slow source (an HRNG) a crash
// loses at most the chunk being filled (with a slow source only one chunk is ever in
// flight); with a fast one, the chunks written during one fdatasync plus the
// `queue_depth` chunks in flight (a fraction of a second of work). A larger
// `sync_bytes` trades that for fewer device cache flushes on disks where they are dear.
//
// Any failed write, fdatasync or manifest append is fatal for the run (fail-stop, no
// retry): the pipeline stops the source, starts no further writes, waits for in-flight
// I/O, lets the manifests record what is durable, and returns the error. A source
// failure (device error or end, health-test abort) stops the filling but still writes,
// syncs and records the chunks already filled. Cancellation (Ctrl-C) does the same
// without an error.
#pragma once

#include <atomic>
#include <cstdint>
#include <vector>

#include "common/status.h"
#include "padgen/destination.h"
#include "padgen/source.h"
#include "padgen/transform.h"
#include "padstore/manifest.h"

namespace otc::padgen {

struct PipelineConfig {
  uint64_t pad_size = 0;
  uint64_t chunk_size = padstore::kDefaultChunkSize;
  uint64_t start_chunk = 0;  // first chunk to generate (resume point)
  size_t queue_depth = 32;   // chunk buffers in flight
  // Group commit: a destination is fdatasync'ed when this many written bytes are not yet
  // covered by a sync, or as soon as it has no write in flight while a buffer waits for
  // the source (the source is the bottleneck, so the sync is free), or at the end.
  // Buffered (non-O_DIRECT) destinations are synced after every chunk. 0: every chunk.
  uint64_t sync_bytes = 0;
};

struct PipelineTarget {
  Destination* destination = nullptr;
  padstore::ManifestWriter* manifest = nullptr;  // positioned at start_chunk
};

// Counters the progress display reads while the pipeline runs.
struct PipelineProgress {
  std::atomic<uint64_t> durable_bytes{0};  // on every destination (manifested or not)
  std::atomic<uint64_t> filled_bytes{0};   // produced by the source this run
};

struct PipelineResult {
  bool complete = false;  // every chunk durable and every manifest finished
  bool cancelled = false;
  uint64_t chunks_durable = 0;  // recorded in every manifest
  padstore::Digest128 pad_id{};
};

// Runs until the pad is complete, `cancel` becomes true, or an error. On error the
// returned Status names the destination or the source; the pad is resumable.
Result<PipelineResult> RunPipeline(const PipelineConfig& config, PadSource& source,
                                   const std::vector<Transform*>& transforms,
                                   const RawObserver& observer,
                                   const std::vector<PipelineTarget>& targets,
                                   PipelineProgress* progress, const std::atomic<bool>& cancel);

}  // namespace otc::padgen
