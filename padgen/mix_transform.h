// MixTransform: `padgen --mix` as a pipeline Transform (transform.h).
//
// Copies its input (the source's bytes, or the extractor's output when --extract is also
// given: extraction runs first, mixing last) and XORs it with an equal amount of fresh
// getrandom(2) output (mix.h, GetrandomMixer). One output byte per input byte.
//
// Nothing about the mix can be stored or replayed: the manifest only records that it
// happened (ManifestEntries: kTagGetrandomMix with an empty value), and Restore() checks
// that the pad being resumed was mixed (resuming a mixed pad without --mix, or an unmixed
// one with it, would silently change what the pad's guarantee is).
//
// GetrandomMixer is not thread-safe, so Apply takes one from a small pool for the duration
// of the call; Apply may run on several threads at once.
#pragma once

#include <memory>
#include <mutex>
#include <vector>

#include "padgen/randomness/mix.h"
#include "padgen/transform.h"

namespace otc::padgen {

class MixTransform final : public Transform {
 public:
  MixTransform() = default;

  std::string Name() const override { return "getrandom mixing"; }
  uint64_t InputBytes(uint64_t output_bytes) const override { return output_bytes; }
  Status Apply(uint64_t chunk_index, std::span<const uint8_t> in, std::span<uint8_t> out) override;
  std::vector<ExtensionEntry> ManifestEntries() const override { return {{kTagGetrandomMix, {}}}; }
  Status Restore(const std::vector<ExtensionEntry>& entries) override;

  // Bytes mixed so far, over all threads (exact once no Apply is running).
  uint64_t bytes_mixed() const;

 private:
  mutable std::mutex mu_;
  std::vector<std::unique_ptr<GetrandomMixer>> idle_;
};

}  // namespace otc::padgen
