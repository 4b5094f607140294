// The one deterministic test pad: bytes a test can predict independently of the code under
// test (a SplitMix64 stream of the index; never all-zero in 16 bytes, so a burned or
// unwritten range never passes for pad).
#pragma once

#include <cstdint>
#include <vector>

namespace otc::test_pad {

// The test pad's byte at index i for `seed`.
inline uint8_t PadByte(uint64_t seed, uint64_t i) {
  uint64_t z = seed * 0x9e3779b97f4a7c15ull + (i >> 3) + 1;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  z ^= z >> 31;
  return static_cast<uint8_t>(z >> (8 * (i & 7)));
}

// Bytes [lo, hi) of the test pad for `seed`.
inline std::vector<uint8_t> PadBytes(uint64_t seed, uint64_t lo, uint64_t hi) {
  std::vector<uint8_t> out;
  out.reserve(hi - lo);
  for (uint64_t i = lo; i < hi; ++i) out.push_back(PadByte(seed, i));
  return out;
}

}  // namespace otc::test_pad
