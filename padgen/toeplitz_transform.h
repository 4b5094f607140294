// ToeplitzTransform: `padgen --extract toeplitz` as a pipeline Transform (transform.h).
//
// Wraps the Toeplitz extractor (toeplitz.h). Each chunk of `out` pad bytes takes
// InputBytes(out) = ceil(out / o) * i raw bytes, where i and o are the extractor's input
// and output block sizes: every chunk starts on a fresh input block, so chunks are
// independent and can be extracted concurrently, and any --chunk-size works. When `out`
// is not a multiple of o (o is rarely a power of two: 60 bytes at H = 1.2), the last
// block's output is cut to what the chunk needs; dropping output bits keeps the
// leftover-hash-lemma bound (it only lowers epsilon), and it wastes at most one block per
// chunk (60 of 4 MiB at H = 1.2). The raw stream is therefore consumed as
//
//   chunk c (full size S): input bytes [c * InputBytes(S), (c + 1) * InputBytes(S))
//   pad[c * S + b*o .. ] = Extract(seed, input block b of the chunk), last block truncated
//
// so anyone with the raw input and the manifest's seed can recompute the pad.
//
// The seed is drawn from getrandom(2) when the transform is created and stored in the
// manifest (ManifestEntries: kTagToeplitz, the extractor's Serialize()). On --resume,
// Restore() reads the stored record and continues with ITS seed; a record made with a
// different block size, --min-entropy or --epsilon is an InvalidArgument naming the values
// to resume with, and a manifest without the tag (a pad made without --extract) is one too.
//
// ToeplitzExtractor is not thread-safe (it owns scratch buffers), so Apply takes one from a
// small pool (built from the same seed with FromSeed) for the duration of the call. Apply
// may run on several threads at once; Restore must not run concurrently with Apply (the
// job restores before the pipeline starts).
#pragma once

#include <memory>
#include <mutex>
#include <vector>

#include "padgen/randomness/toeplitz.h"
#include "padgen/transform.h"

namespace otc::padgen {

class ToeplitzTransform final : public Transform {
 public:
  // A transform with a fresh getrandom seed.
  static Result<std::unique_ptr<ToeplitzTransform>> Create(const ToeplitzParams& params);
  // A transform with a given seed (tests; the seed format is in toeplitz.h).
  static Result<std::unique_ptr<ToeplitzTransform>> FromSeed(const ToeplitzParams& params,
                                                             std::span<const uint8_t> seed);
  ~ToeplitzTransform() override;

  std::string Name() const override { return "toeplitz extraction"; }
  uint64_t InputBytes(uint64_t output_bytes) const override;
  Status Apply(uint64_t chunk_index, std::span<const uint8_t> in, std::span<uint8_t> out) override;
  std::vector<ExtensionEntry> ManifestEntries() const override;
  Status Restore(const std::vector<ExtensionEntry>& entries) override;

  const ToeplitzParams& params() const { return params_; }
  std::span<const uint8_t> seed() const;

 private:
  struct Worker;
  ToeplitzTransform(const ToeplitzParams& params, std::vector<uint8_t> seed);

  ToeplitzParams params_;
  std::vector<uint8_t> seed_;  // not secret (it is stored in the manifest)
  std::mutex mu_;
  std::vector<std::unique_ptr<Worker>> idle_;  // extractors built from seed_, free for Apply
};

// One line for the first line, the manifest and --json: the parameters and the guarantee,
// e.g. "Toeplitz extraction (512-byte blocks -> 60 bytes, H = 1.2 bits/byte, eps = 2^-64
// per block)".
std::string DescribeToeplitz(const ToeplitzParams& params);
// The padgen flags that select `params`: "--min-entropy 1.2 --epsilon 2^-64" (and
// --extract-block-bits when not the default).
std::string ToeplitzFlags(const ToeplitzParams& params);

}  // namespace otc::padgen
