// Byte helpers for the protocol (internal to chat/protocol): XOR loops the compiler
// vectorizes, and a per-thread scratch area for pad that is wiped after every use.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "common/secret_buffer.h"

namespace otc::protocol::internal {

// dst[i] ^= src[i] for i < n. dst and src must not overlap.
inline void XorInto(uint8_t* __restrict dst, const uint8_t* __restrict src, size_t n) {
  for (size_t i = 0; i < n; ++i) dst[i] ^= src[i];
}

// A per-thread scratch buffer of at least `size` bytes, wiped (the used prefix) when the
// guard goes out of scope. Not re-entrant: one guard per thread at a time.
class ScratchGuard {
 public:
  explicit ScratchGuard(size_t size);
  ~ScratchGuard();
  ScratchGuard(const ScratchGuard&) = delete;
  ScratchGuard& operator=(const ScratchGuard&) = delete;

  std::span<uint8_t> span() { return span_; }
  uint8_t* data() { return span_.data(); }

 private:
  std::span<uint8_t> span_;
};

// Wipes and frees this thread's scratch buffer.
void ReleaseThreadScratch();

}  // namespace otc::protocol::internal
