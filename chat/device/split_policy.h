// SplitPolicy: when a device asks its peer for more pad, and how much it gives when asked
// (moving the split; the mechanism and its safety argument are padstore/split_grants.h,
// the envelope fields chat/protocol/envelope.h).
//
//   ask    while own pad left (after grants) is under a quarter of the original own
//          half: every otc2 package carries `request` = received + half the original own
//          half (a cumulative total, so repeating it is harmless);
//   give   on a request above what was already given, unless the giver is asking itself:
//          min(request - given, spare - reserve), where spare = own pad above the durable
//          reservation mark and reserve = max(keep, a quarter of the original own half);
//          `keep` is enough own pad to announce grants (kKeepControlPackages control
//          packages). Nothing when that is under kMinGrant (not worth a control package).
// The reserve means a giver never gives itself into asking: the two sides cannot hand the
// same pad back and forth, and the side that sends less keeps pad for its own messages.
#pragma once

#include <cstdint>

#include "padstore/store_types.h"

namespace otc::device {

struct SplitPolicy {
  static constexpr uint64_t kAskBelowQuarter = 4;  // ask under own half / 4
  static constexpr uint64_t kMinGrant = 256;       // bytes
  static constexpr uint64_t kKeepControlPackages = 4;

  // The `request` total to put in a package, or 0 when this side need not ask.
  static uint64_t RequestTotal(const padstore::ContactState& own);
  // Bytes to grant on `request` (0: nothing); `keep` is what the giver must keep unused.
  static uint64_t GrantAmount(const padstore::ContactState& giver, uint64_t request, uint64_t keep);
};

}  // namespace otc::device
