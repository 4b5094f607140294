// A stop flag that also wakes sleepers: the production Sleeper for retries and backoff.
//
// Background threads wait between retries with Sleep(); Stop() sets the flag and wakes
// them at once, so quitting never waits out a backoff delay.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>

#include "chat/client/backoff.h"

namespace otc::client {

class StopSignal {
 public:
  void Stop() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
  }
  bool stopped() const { return stop_.load(); }
  const std::atomic<bool>& flag() const { return stop_; }

  // Waits `d`; false if stopped (before or during the wait).
  bool Sleep(std::chrono::milliseconds d) {
    std::unique_lock<std::mutex> lock(mu_);
    return !cv_.wait_for(lock, d, [this] { return stop_.load(); });
  }
  Sleeper AsSleeper() {
    return [this](std::chrono::milliseconds d) { return Sleep(d); };
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::atomic<bool> stop_{false};
};

}  // namespace otc::client
