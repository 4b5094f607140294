#include "relay/waiter_registry.h"

#include <unordered_set>

namespace otc::relay {

uint64_t WaiterRegistry::Subscribe(std::string recipient_uid, std::function<void()> wake) {
  std::lock_guard lock(mu_);
  uint64_t id = next_id_++;
  by_recipient_.emplace(recipient_uid, id);
  by_id_.emplace(id, Waiter{std::move(recipient_uid), std::move(wake)});
  return id;
}

void WaiterRegistry::Unsubscribe(uint64_t id) {
  std::lock_guard lock(mu_);
  auto it = by_id_.find(id);
  if (it == by_id_.end()) return;
  auto [first, last] = by_recipient_.equal_range(it->second.recipient);
  for (auto r = first; r != last; ++r) {
    if (r->second == id) {
      by_recipient_.erase(r);
      break;
    }
  }
  by_id_.erase(it);
}

void WaiterRegistry::Notify(const std::vector<std::string>& recipients) {
  std::lock_guard lock(mu_);
  if (by_id_.empty()) return;
  std::unordered_set<std::string_view> seen;
  for (const std::string& recipient : recipients) {
    if (!seen.insert(recipient).second) continue;
    auto [first, last] = by_recipient_.equal_range(recipient);
    for (auto r = first; r != last; ++r) by_id_.at(r->second).wake();
  }
}

void WaiterRegistry::NotifyMatching(const std::function<bool(std::string_view)>& match) {
  std::lock_guard lock(mu_);
  for (auto& [id, waiter] : by_id_) {
    if (match(waiter.recipient)) waiter.wake();
  }
}

size_t WaiterRegistry::size() {
  std::lock_guard lock(mu_);
  return by_id_.size();
}

}  // namespace otc::relay
