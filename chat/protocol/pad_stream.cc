#include "chat/protocol/pad_stream.h"

#include <cstring>
#include <string>

namespace otc::protocol {
namespace {

// dst[k] = src[n - 1 - k]: eight bytes at a time with a byte swap (baseline x86-64 has no
// byte shuffle, so the plain loop would stay scalar).
void ReverseCopy(uint8_t* dst, const uint8_t* src, size_t n) {
  size_t k = 0;
  for (; k + 8 <= n; k += 8) {
    uint64_t v;
    std::memcpy(&v, src + n - k - 8, 8);
    v = __builtin_bswap64(v);
    std::memcpy(dst + k, &v, 8);
  }
  for (; k < n; ++k) dst[k] = src[n - 1 - k];
}

}  // namespace

MemoryPadStream::MemoryPadStream(std::span<const uint8_t> pad, uint64_t start, Direction direction,
                                 uint64_t first_index)
    : pad_(pad), direction_(direction) {
  if (start < first_index || start - first_index >= pad.size()) return;  // nothing available
  pos_ = static_cast<size_t>(start - first_index);
  available_ = direction == Direction::kUp ? pad.size() - pos_ : pos_ + 1;
}

Status MemoryPadStream::Next(std::span<uint8_t> out) {
  const size_t n = out.size();
  if (n > available_) {
    return Status::Exhausted("pad stream: " + std::to_string(n) + " bytes requested, " +
                             std::to_string(available_) + " left in the pad buffer");
  }
  if (n == 0) return Status::Ok();
  if (direction_ == Direction::kUp) {
    std::memcpy(out.data(), pad_.data() + pos_, n);
    pos_ += n;
  } else {
    ReverseCopy(out.data(), pad_.data() + pos_ + 1 - n, n);
    pos_ -= n;  // wraps harmlessly when the stream reaches index first_index - 1
  }
  available_ -= n;
  consumed_ += n;
  return Status::Ok();
}

}  // namespace otc::protocol
