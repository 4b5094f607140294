// The padgen manifest extension: a tagged list of entries stored, opaque to the
// manifest format, in the manifest header's `ext` field (padstore/manifest.h).
//
// Format (integers little-endian):
//
//   extension := entry*
//   entry     := tag u16, length u32, value[length]
//
// Tags (a reader ignores tags it does not know):
//   0x0001 kGenerator  UTF-8 text: the program that wrote the pad ("otc padgen 0.1.0")
//   0x0002 kSource     UTF-8 text: the source description ("HRNG /dev/hwrng")
//   0x0010 kToeplitz   reserved for the Toeplitz extractor (issue 5): its parameters and
//                      seed, written by the transform (transform.h) and read back on
//                      --resume so the continuation uses the same matrix
//   0x0011 kMix        reserved for --mix (issue 5)
//   0x0012..0x001f     reserved for further transforms
//
// The extension is written once with the manifest header; on resume it is read back
// and each transform restores its parameters from its entry.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "common/status.h"

namespace otc::padgen {

enum ExtensionTag : uint16_t {
  kGeneratorTag = 0x0001,
  kSourceTag = 0x0002,
  kToeplitzTag = 0x0010,
  kMixTag = 0x0011,
};

struct ExtensionEntry {
  uint16_t tag = 0;
  std::vector<uint8_t> value;
};

std::vector<uint8_t> EncodeExtension(const std::vector<ExtensionEntry>& entries);
// Corruption if an entry is cut short.
Result<std::vector<ExtensionEntry>> DecodeExtension(std::span<const uint8_t> bytes);
// The first entry with `tag`, or null.
const ExtensionEntry* FindEntry(const std::vector<ExtensionEntry>& entries, uint16_t tag);

}  // namespace otc::padgen
