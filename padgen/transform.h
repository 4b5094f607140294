// Transform: an optional stage between the source and the writer.
//
// The pipeline (pipeline.h) asks the source for InputBytes(n) raw bytes for each chunk
// of n pad bytes, runs the chunk through every transform in order, then digests and
// writes the result. With no transforms the source fills the chunk buffer directly.
//
// This is how padgen post-processes a source: `--extract toeplitz` (a Toeplitz-hashing
// randomness extractor: more input bytes than output bytes, a seed that must survive
// --resume) and `--mix` (XOR with a second source) are Transforms. A transform that
// has parameters stores them in the manifest extension (randomness/manifest_extension.h) under
// its own tag, and gets them back through Restore() when a run is resumed.
//
// `RawObserver` is the matching hook for `--assess`: it sees every raw source chunk
// before any transform (for an entropy report), and must not keep the bytes. It is
// called from the filler threads, possibly concurrently and out of chunk order.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "common/status.h"
#include "padgen/randomness/manifest_extension.h"

namespace otc::padgen {

class Transform {
 public:
  virtual ~Transform() = default;

  virtual std::string Name() const = 0;
  // Raw input bytes needed to produce `output_bytes` of pad (>= output_bytes for an
  // extractor).
  virtual uint64_t InputBytes(uint64_t output_bytes) const = 0;
  // Writes out.size() pad bytes computed from `in` (in.size() == InputBytes(out.size())).
  // Called concurrently from several threads for different chunks.
  virtual Status Apply(uint64_t chunk_index, std::span<const uint8_t> in,
                       std::span<uint8_t> out) = 0;
  // Entries to store in the manifest extension (e.g. {kTagToeplitz, the extractor's
  // Serialize()}); tags must be unique across transforms.
  virtual std::vector<ExtensionEntry> ManifestEntries() const { return {}; }
  // On --resume: restore parameters from the existing manifest's entries.
  virtual Status Restore(const std::vector<ExtensionEntry>& entries) {
    (void)entries;
    return Status::Ok();
  }
};

using RawObserver = std::function<void(uint64_t chunk_index, std::span<const uint8_t> raw)>;

}  // namespace otc::padgen
