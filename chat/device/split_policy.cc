#include "chat/device/split_policy.h"

#include <algorithm>

namespace otc::device {

uint64_t SplitPolicy::RequestTotal(const padstore::ContactState& own) {
  if (own.own_left * kAskBelowQuarter >= own.own_half) return 0;
  return own.split_received + std::max<uint64_t>(own.own_half / 2, 1);
}

uint64_t SplitPolicy::GrantAmount(const padstore::ContactState& giver, uint64_t request,
                                  uint64_t keep) {
  if (request <= giver.split_given || RequestTotal(giver) > 0) return 0;
  const uint64_t reserve = std::max(keep, giver.own_half / kAskBelowQuarter);
  if (giver.own_spare <= reserve) return 0;
  const uint64_t amount = std::min(request - giver.split_given, giver.own_spare - reserve);
  return amount < kMinGrant ? 0 : amount;
}

}  // namespace otc::device
