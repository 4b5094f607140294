// Source mixing (padgen --mix): XOR the hardware stream, after extraction if any, with an
// equal amount of getrandom(2) output, using ISA-L's xor_gen.
//
// If the two streams are independent, the XOR is at least as unpredictable as the better
// of them: a perfect kernel CSPRNG hides a broken HRNG, and a good HRNG hides a
// (hypothetically) compromised kernel generator. The caveat: a malicious source that can
// observe the other one (firmware reading the kernel's output, or a kernel that sees the
// HRNG bytes before mixing) can cancel it, so mixing protects against accident and weak
// hardware, not against a source that colludes with the machine it is plugged into. The
// mixed pad's guarantee is then only the kernel's computational one.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "common/secret_buffer.h"
#include "common/status.h"

namespace otc::padgen {

// dst[i] ^= src[i] for every i, with ISA-L xor_gen on the 32-byte-aligned middle part when
// dst and src are equally aligned (a plain loop otherwise). Sizes must match, else
// InvalidArgument.
Status XorInto(std::span<uint8_t> dst, std::span<const uint8_t> src);

// XORs data with fresh getrandom(2) bytes. The random bytes live in an owned scratch
// buffer that is wiped after every call. Not thread-safe; one per thread.
class GetrandomMixer {
 public:
  // `chunk_bytes`: how much getrandom output is drawn per step (memory use).
  explicit GetrandomMixer(size_t chunk_bytes = size_t{1} << 20);

  // data ^= getrandom(data.size()). An error from getrandom is returned and leaves data
  // partially mixed: the caller must discard it (fail-stop), never write it as pad.
  Status Mix(std::span<uint8_t> data);

  // Total bytes mixed so far.
  uint64_t bytes_mixed() const { return bytes_mixed_; }

 private:
  size_t chunk_bytes_;
  SecretBuffer scratch_;  // chunk_bytes_ + 32: page-aligned, used at dst's alignment
  uint64_t bytes_mixed_ = 0;
};

}  // namespace otc::padgen
