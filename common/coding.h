// Little-endian fixed-width encoding, as in LevelDB's util/coding.h. Every on-disk and
// on-wire integer in otc is little-endian unless its format says otherwise.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>

namespace otc {

inline void EncodeFixed32(uint8_t* dst, uint32_t v) {
  for (int i = 0; i < 4; ++i) dst[i] = static_cast<uint8_t>(v >> (8 * i));
}
inline void EncodeFixed64(uint8_t* dst, uint64_t v) {
  for (int i = 0; i < 8; ++i) dst[i] = static_cast<uint8_t>(v >> (8 * i));
}
// Low `n` bytes of v (n <= 8), e.g. the 6-byte otc1 pad index.
inline void EncodeFixedN(uint8_t* dst, uint64_t v, int n) {
  for (int i = 0; i < n; ++i) dst[i] = static_cast<uint8_t>(v >> (8 * i));
}
inline uint32_t DecodeFixed32(const uint8_t* src) {
  uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = v << 8 | src[i];
  return v;
}
inline uint64_t DecodeFixed64(const uint8_t* src) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = v << 8 | src[i];
  return v;
}
inline uint64_t DecodeFixedN(const uint8_t* src, int n) {
  uint64_t v = 0;
  for (int i = n - 1; i >= 0; --i) v = v << 8 | src[i];
  return v;
}

}  // namespace otc
