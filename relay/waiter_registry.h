// WaiterRegistry: who is waiting for messages to which recipient (long-polls).
//
// A store calls Notify(recipients) after a commit makes messages visible; every
// subscription to one of those recipients has its wake function called. Wake functions
// run under the registry's lock, which is what lets Unsubscribe promise that a wake is
// neither running nor pending once it returns; so they must be short (post work
// elsewhere) and must not call back into the registry.
#pragma once

#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace otc::relay {

class WaiterRegistry {
 public:
  uint64_t Subscribe(std::string recipient_uid, std::function<void()> wake);
  void Unsubscribe(uint64_t id);
  // Wakes every subscriber of each recipient in `recipients` (duplicates allowed).
  void Notify(const std::vector<std::string>& recipients);
  // Wakes every subscriber whose recipient satisfies `match` (for wake-ups that name a
  // group of recipients, such as a PostgreSQL NOTIFY channel).
  void NotifyMatching(const std::function<bool(std::string_view)>& match);
  size_t size();

 private:
  struct Waiter {
    std::string recipient;
    std::function<void()> wake;
  };
  std::mutex mu_;
  uint64_t next_id_ = 1;
  std::unordered_map<uint64_t, Waiter> by_id_;
  std::unordered_multimap<std::string, uint64_t> by_recipient_;
};

}  // namespace otc::relay
