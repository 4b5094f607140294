#include "padgen/randomness/mix.h"

#include <isa-l/raid.h>

#include <algorithm>
#include <string>

#include "padgen/randomness/system_random.h"

namespace otc::padgen {
namespace {

constexpr uintptr_t kAlign = 32;  // xor_gen's pointer alignment requirement
// xor_gen takes an int length; feed it bounded pieces.
constexpr size_t kMaxXorGenBytes = size_t{1} << 30;

void XorLoop(uint8_t* dst, const uint8_t* src, size_t n) {
  for (size_t i = 0; i < n; ++i) dst[i] ^= src[i];
}

}  // namespace

Status XorInto(std::span<uint8_t> dst, std::span<const uint8_t> src) {
  if (dst.size() != src.size()) {
    return Status::InvalidArgument("XOR mixing needs equal lengths, got " +
                                   std::to_string(dst.size()) + " and " +
                                   std::to_string(src.size()));
  }
  uint8_t* d = dst.data();
  const uint8_t* s = src.data();
  size_t n = dst.size();
  const uintptr_t da = reinterpret_cast<uintptr_t>(d) % kAlign;
  const uintptr_t sa = reinterpret_cast<uintptr_t>(s) % kAlign;
  if (da != sa) {
    XorLoop(d, s, n);
    return Status::Ok();
  }
  const size_t head = std::min<size_t>(n, (kAlign - da) % kAlign);
  XorLoop(d, s, head);
  d += head;
  s += head;
  n -= head;
  while (n >= kAlign) {
    const size_t len = std::min(n - n % kAlign, kMaxXorGenBytes);
    // Sources dst and src, destination dst: xor_gen reads each 32-byte lane of every
    // source before writing that lane of the destination, so dst may be a source.
    void* array[3] = {d, const_cast<uint8_t*>(s), d};
    if (xor_gen(3, static_cast<int>(len), array) != 0) {
      return Status::Internal("ISA-L xor_gen failed");
    }
    d += len;
    s += len;
    n -= len;
  }
  XorLoop(d, s, n);
  return Status::Ok();
}

GetrandomMixer::GetrandomMixer(size_t chunk_bytes)
    : chunk_bytes_(std::max<size_t>(chunk_bytes, kAlign)), scratch_(chunk_bytes_ + kAlign) {}

Status GetrandomMixer::Mix(std::span<uint8_t> data) {
  Status result = Status::Ok();
  size_t done = 0;
  while (done < data.size()) {
    const size_t len = std::min(chunk_bytes_, data.size() - done);
    uint8_t* d = data.data() + done;
    // Place the random bytes at the same offset modulo 32 as the destination so the
    // bulk of the XOR runs in xor_gen.
    uint8_t* r = scratch_.data() + reinterpret_cast<uintptr_t>(d) % kAlign;
    std::span<uint8_t> rnd(r, len);
    result = FillFromGetrandom(rnd);
    if (result.ok()) result = XorInto({d, len}, rnd);
    Wipe(rnd);
    if (!result.ok()) return result.WithContext("mixing with getrandom");
    done += len;
    bytes_mixed_ += len;
  }
  return result;
}

}  // namespace otc::padgen
