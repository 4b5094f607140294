// Snapshot: the folded state of one contact, the payload of a kSnapshot journal record
// (journal_format.h).
//
//   snapshot := own_mark       u64   stream offsets of the owner's half below this count
//                                    as used after a restart (on a clean close it is the
//                                    exact next offset; otherwise a reservation mark)
//               last_activity  u64   seconds since the epoch
//               n_decrypted    u64   then n_decrypted x (lo u64, hi u64): pad indices of the
//                                    peer's half already decrypted (the decrypt log)
//               n_burned       u64   then n_burned x (lo u64, hi u64): pad indices destroyed
//
// Interval lists are sorted, disjoint, non-adjacent and non-empty. The size is
// 32 + 16 x (number of intervals): bounded by the number of gaps, not by the number of
// messages.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "common/status.h"
#include "padstore/interval_set.h"

namespace otc::padstore {

struct Snapshot {
  uint64_t own_mark = 0;
  uint64_t last_activity = 0;
  IntervalSet decrypted;
  IntervalSet burned;
};

std::vector<uint8_t> EncodeSnapshot(const Snapshot& snapshot);
// Corruption if the payload is malformed or an interval list is not canonical.
Result<Snapshot> DecodeSnapshot(std::span<const uint8_t> payload);

// Payload helpers for the small records.
std::vector<uint8_t> EncodeU64(uint64_t v);
std::vector<uint8_t> EncodeRange(const IndexRange& r);
bool DecodeU64(std::span<const uint8_t> payload, uint64_t* v);
bool DecodeRange(std::span<const uint8_t> payload, IndexRange* r);

}  // namespace otc::padstore
