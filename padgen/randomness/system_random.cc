#include "padgen/randomness/system_random.h"

#include <sys/random.h>

#include <algorithm>
#include <cerrno>

namespace otc::padgen {

Status FillFromGetrandom(std::span<uint8_t> out) {
  size_t done = 0;
  while (done < out.size()) {
    // getrandom returns at most 32 MiB - 1 per call; ask for no more than 1 MiB.
    size_t want = std::min<size_t>(out.size() - done, size_t{1} << 20);
    ssize_t n = getrandom(out.data() + done, want, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      return Status::FromErrno(errno, "getrandom");
    }
    if (n == 0) return Status::IOError("getrandom returned no bytes");
    done += static_cast<size_t>(n);
  }
  return Status::Ok();
}

}  // namespace otc::padgen
