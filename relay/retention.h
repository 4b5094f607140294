// RetentionSweeper: deletes undelivered messages older than --retention.
//
// A background thread calls MessageStore::Expire(now - retention) every `interval`
// (default: a tenth of the retention, between 1 s and 60 s). Delivered messages are
// normally gone sooner, by /ack.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>

#include "relay/message_store.h"

namespace otc::relay {

class RetentionSweeper {
 public:
  RetentionSweeper(MessageStore* store, std::chrono::seconds retention,
                   std::function<int64_t()> now_unix_ms = {},
                   std::function<void(uint64_t deleted)> on_deleted = {});
  ~RetentionSweeper();

  static std::chrono::milliseconds DefaultInterval(std::chrono::seconds retention);

  void Start(std::chrono::milliseconds interval);
  void Stop();
  // One sweep now; returns how many messages it deleted.
  Result<uint64_t> SweepNow();

 private:
  MessageStore* store_;
  std::chrono::seconds retention_;
  std::function<int64_t()> now_unix_ms_;
  std::function<void(uint64_t)> on_deleted_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace otc::relay
