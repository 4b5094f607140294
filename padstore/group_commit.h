// GroupCommit: lets concurrent writers of one append-only file share an fdatasync.
//
// Each writer appends its record under the owner's mutex, takes a ticket, and calls
// Wait, which returns once a sync that started after the append has completed. One
// waiter at a time (the leader) runs the sync with the mutex released, covering every
// ticket issued so far; the records appended while it runs wait for the next sync, which
// one of their writers leads. So N concurrent writers cost about two syncs instead of N
// queued one behind the other under the mutex.
//
//   std::unique_lock lock(mu_);
//   ... append the record (a positional write) ...
//   Status s = commit_.Wait(lock, commit_.Issue(), usable,
//                           [this] { return [f = file_] { return f->DataSync(); }; });
//   if (!s.ok()) { mark the owner failed while still holding the lock; return s; }
//
// `start_sync` runs under the mutex when a leader starts, and returns the sync to run
// without it: so the leader syncs the file as it is then (an owner that replaces its file
// must hand out the current one, and call CoverAll if the replacement is synced and holds
// every record). The sync must be safe alongside appends (pwrite and fdatasync are; see
// common/env.h). `usable` is checked under the mutex before every wait: the owner's
// fail-stop state, so that waiters give up once a leader's sync has failed. A failed sync
// is never retried: Wait returns it to the leader, which must record the failure before
// releasing the mutex (the other waiters cannot run before that, and then see it through
// `usable`).
#pragma once

#include <algorithm>
#include <condition_variable>
#include <cstdint>
#include <mutex>

#include "common/status.h"

namespace otc::padstore {

class GroupCommit {
 public:
  // Under the owner's mutex, after appending a record: its ticket.
  uint64_t Issue() { return ++issued_; }
  // Under the owner's mutex: a sync made under it just covered every ticket issued.
  void CoverAll() { covered_ = issued_; }

  template <typename Usable, typename StartSync>
  Status Wait(std::unique_lock<std::mutex>& lock, uint64_t ticket, Usable usable,
              StartSync start_sync) {
    while (covered_ < ticket) {
      if (Status s = usable(); !s.ok()) return s;
      if (leader_running_) {
        cv_.wait(lock);
        continue;
      }
      leader_running_ = true;
      const uint64_t target = issued_;
      auto sync = start_sync();
      lock.unlock();
      Status s = sync();
      lock.lock();
      leader_running_ = false;
      cv_.notify_all();
      if (!s.ok()) return s;
      covered_ = std::max(covered_, target);
    }
    return Status::Ok();
  }

 private:
  uint64_t issued_ = 0;   // tickets handed out (records appended, maybe not durable)
  uint64_t covered_ = 0;  // tickets covered by a completed sync
  bool leader_running_ = false;
  std::condition_variable cv_;
};

}  // namespace otc::padstore
