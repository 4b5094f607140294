// Retry delays for an unreachable device or relay: exponential with jitter, capped.
//
// Delays: initial, then x2 each failure up to `max`, each multiplied by a random factor
// in [0.8, 1.2] so many clients do not retry in lockstep. Reset() after a success.
#pragma once

#include <chrono>
#include <functional>
#include <random>

namespace otc::client {

struct BackoffPolicy {
  std::chrono::milliseconds initial{100};
  std::chrono::milliseconds max{5000};
  // Attempts for one user-visible operation (a send) before it is reported as failed;
  // the background receiver retries without limit.
  int attempts = 6;
};

class Backoff {
 public:
  explicit Backoff(BackoffPolicy policy) : policy_(policy), rng_(std::random_device{}()) {}

  std::chrono::milliseconds Next();
  void Reset() { failures_ = 0; }
  int failures() const { return failures_; }

 private:
  BackoffPolicy policy_;
  int failures_ = 0;
  std::mt19937 rng_;
};

// Sleeps for a duration; returns false if the wait was cut short because the caller is
// stopping. Tests pass one that records and returns at once.
using Sleeper = std::function<bool(std::chrono::milliseconds)>;

}  // namespace otc::client
