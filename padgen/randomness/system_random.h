// System randomness: bytes from the kernel CSPRNG via getrandom(2).
//
// Used for what must be independent of a hardware source: the Toeplitz extractor's seed
// (toeplitz.h) and the stream that --mix XORs into the pad (mix.h). getrandom blocks only
// until the kernel pool is first initialised, never afterwards; it is never asked for
// GRND_RANDOM (the blocking /dev/random pool gives no extra guarantee on modern kernels).
#pragma once

#include <cstdint>
#include <span>

#include "common/status.h"

namespace otc::padgen {

// Fills `out` completely from getrandom(2), looping over short reads and EINTR. An
// error (e.g. ENOSYS on an ancient kernel) is IOError naming getrandom.
Status FillFromGetrandom(std::span<uint8_t> out);

}  // namespace otc::padgen
