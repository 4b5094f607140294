// The tagged format of the pad manifest's `extension` bytes (padstore/manifest.h).
//
// The manifest treats its extension as opaque; padgen fills it with a record of how the
// pad was post-processed, so anyone holding the pad can audit (and with the raw input,
// reproduce) it. Format (all integers little-endian):
//
//   extension := entry*                       (may be empty)
//   entry     := tag    u16
//                length u32                   bytes of value that follow
//                value  u8[length]
//
// Tags appear in strictly increasing order, so each at most once and one encoding per
// meaning. Readers skip tags they do not know (an older otc can still use the pad; it
// just cannot show how it was made). Assigned tags:
//
//   1  kTagToeplitz   Toeplitz extractor parameters and seed; value format in toeplitz.h
//   2  kTagGetrandomMix  the pad was XORed with getrandom(2) output (--mix); empty value
//  16  kTagGenerator  UTF-8 text: the program that wrote the pad ("otc padgen 0.1.0")
//  17  kTagSource     UTF-8 text: where the raw bytes came from ("HRNG /dev/hwrng",
//                     "getrandom (kernel CSPRNG, 2 threads)") and, if any, the
//                     post-processing (", then Toeplitz extraction (...), then XOR with
//                     getrandom (--mix)"), so whoever holds the pad can tell a hardware pad
//                     from a computationally secure one
//
// New tags are added here; a tag number is never reused for a different meaning.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "common/status.h"

namespace otc::padgen {

inline constexpr uint16_t kTagToeplitz = 1;
inline constexpr uint16_t kTagGetrandomMix = 2;
inline constexpr uint16_t kTagGenerator = 16;
inline constexpr uint16_t kTagSource = 17;

struct ExtensionEntry {
  uint16_t tag = 0;
  std::vector<uint8_t> value;
};

// Serializes `entries`; they must have strictly increasing tags and values shorter than
// 4 GiB, otherwise InvalidArgument.
Result<std::vector<uint8_t>> EncodeExtension(std::span<const ExtensionEntry> entries);

// Parses extension bytes. Truncated entries, trailing bytes and out-of-order or repeated
// tags are Corruption (the bytes came out of a manifest).
Result<std::vector<ExtensionEntry>> DecodeExtension(std::span<const uint8_t> bytes);

// The entry with `tag`, if present.
std::optional<ExtensionEntry> FindExtensionEntry(std::span<const ExtensionEntry> entries,
                                                 uint16_t tag);

}  // namespace otc::padgen
