#include "padstore/split_grants.h"

#include <algorithm>
#include <string>

#include "common/coding.h"

namespace otc::padstore {

std::vector<uint8_t> EncodeSplitTotals(const SplitTotals& totals) {
  std::vector<uint8_t> out(16);
  EncodeFixed64(&out[0], totals.given);
  EncodeFixed64(&out[8], totals.received);
  return out;
}

bool DecodeSplitTotals(std::span<const uint8_t> payload, SplitTotals* totals) {
  if (payload.size() != 16) return false;
  totals->given = DecodeFixed64(&payload[0]);
  totals->received = DecodeFixed64(&payload[8]);
  return true;
}

Result<uint64_t> SplitGrants::Grant(uint64_t amount, uint64_t own_used, uint64_t keep) const {
  const uint64_t capacity = OwnCapacity();
  if (own_used > capacity || keep > capacity - own_used || amount > capacity - own_used - keep) {
    return Status::Exhausted("cannot grant " + std::to_string(amount) +
                             " bytes: " + std::to_string(capacity - std::min(capacity, own_used)) +
                             " unused, " + std::to_string(keep) + " kept");
  }
  return given + amount;
}

Result<uint64_t> SplitGrants::Receive(uint64_t total) const {
  // The peer can only give what it holds: its half plus what this side gave it.
  if (total > peer_half + given) {
    return Status::InvalidArgument("the peer announced granting " + std::to_string(total) +
                                   " bytes, more than its " + std::to_string(peer_half + given));
  }
  return total > received ? total : received;
}

}  // namespace otc::padstore
