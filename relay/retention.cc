#include "relay/retention.h"

#include <algorithm>

namespace otc::relay {

RetentionSweeper::RetentionSweeper(MessageStore* store, std::chrono::seconds retention,
                                   std::function<int64_t()> now_unix_ms,
                                   std::function<void(uint64_t)> on_deleted)
    : store_(store),
      retention_(retention),
      now_unix_ms_(std::move(now_unix_ms)),
      on_deleted_(std::move(on_deleted)) {
  if (!now_unix_ms_) {
    now_unix_ms_ = [] {
      return std::chrono::duration_cast<std::chrono::milliseconds>(
                 std::chrono::system_clock::now().time_since_epoch())
          .count();
    };
  }
}

RetentionSweeper::~RetentionSweeper() { Stop(); }

std::chrono::milliseconds RetentionSweeper::DefaultInterval(std::chrono::seconds retention) {
  auto tenth = std::chrono::duration_cast<std::chrono::milliseconds>(retention) / 10;
  return std::clamp<std::chrono::milliseconds>(tenth, std::chrono::seconds(1),
                                               std::chrono::seconds(60));
}

Result<uint64_t> RetentionSweeper::SweepNow() {
  int64_t cutoff =
      now_unix_ms_() - std::chrono::duration_cast<std::chrono::milliseconds>(retention_).count();
  Result<uint64_t> deleted = ExpireAndWait(*store_, cutoff);
  if (deleted.ok() && on_deleted_) on_deleted_(*deleted);
  return deleted;
}

void RetentionSweeper::Start(std::chrono::milliseconds interval) {
  thread_ = std::thread([this, interval] {
    std::unique_lock lock(mu_);
    while (!cv_.wait_for(lock, interval, [this] { return stop_; })) {
      lock.unlock();
      (void)SweepNow();  // a failure makes the store fail-stop; main notices and exits
      lock.lock();
    }
  });
}

void RetentionSweeper::Stop() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

}  // namespace otc::relay
