#include "chat/client/backoff.h"

#include <algorithm>

namespace otc::client {

std::chrono::milliseconds Backoff::Next() {
  auto base = policy_.initial;
  for (int i = 0; i < failures_ && base < policy_.max; ++i) base *= 2;
  base = std::min(base, policy_.max);
  ++failures_;
  std::uniform_real_distribution<double> jitter(0.8, 1.2);
  auto d = std::chrono::milliseconds(static_cast<int64_t>(base.count() * jitter(rng_)));
  return std::max(d, std::chrono::milliseconds(1));
}

}  // namespace otc::client
