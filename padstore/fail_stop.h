// FailStop: the store-wide "an I/O failed; refuse everything until reopened" flag.
//
// Any failed write or fsync of durable state (journal, pad burn, meta, audit log) trips
// it. After that every operation that could hand out pad or acknowledge a decrypt
// returns Failed, and nothing is retried: after a failed fsync the kernel may already
// have dropped the dirty pages, so a retry that "succeeds" would be a lie (PostgreSQL,
// 2018). Reopening the store runs recovery from what is really on disk.
#pragma once

#include <atomic>
#include <mutex>
#include <string>

#include "common/status.h"

namespace otc::padstore {

class FailStop {
 public:
  bool failed() const { return failed_.load(std::memory_order_acquire); }
  // Failed("store ... failed earlier (<cause>); reopen it"), or Ok.
  Status status() const {
    if (!failed()) return Status::Ok();
    std::lock_guard lock(mu_);
    return Status::Failed("the store is in a fail-stop state after an earlier I/O failure (" +
                          cause_ + "); nothing more is handed out until it is reopened");
  }
  // Trips the flag (the first cause is kept). Returns `cause` for convenience.
  Status Fail(const Status& cause) {
    std::lock_guard lock(mu_);
    if (!failed_.load(std::memory_order_relaxed)) {
      cause_ = cause.ToString();
      failed_.store(true, std::memory_order_release);
    }
    return cause;
  }

 private:
  mutable std::mutex mu_;
  std::atomic<bool> failed_{false};
  std::string cause_;
};

}  // namespace otc::padstore
