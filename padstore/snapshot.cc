#include "padstore/snapshot.h"

#include "padstore/byte_io.h"

namespace otc::padstore {
namespace {

void PutSet(ByteWriter& w, const IntervalSet& set) {
  w.U64(set.IntervalCount());
  for (const IndexRange& r : set.Intervals()) {
    w.U64(r.lo);
    w.U64(r.hi);
  }
}

bool GetSet(ByteReader& r, IntervalSet* set) {
  uint64_t n;
  if (!r.U64(&n) || n > r.left() / 16) return false;
  uint64_t prev_hi = 0;
  for (uint64_t i = 0; i < n; ++i) {
    uint64_t lo, hi;
    if (!r.U64(&lo) || !r.U64(&hi)) return false;
    if (hi <= lo || (i > 0 && lo <= prev_hi)) return false;  // canonical: sorted, gaps between
    set->Insert(lo, hi);
    prev_hi = hi;
  }
  return true;
}

}  // namespace

std::vector<uint8_t> EncodeSnapshot(const Snapshot& s) {
  ByteWriter w;
  w.U64(s.own_mark);
  w.U64(s.last_activity);
  PutSet(w, s.decrypted);
  PutSet(w, s.burned);
  return std::move(w.bytes());
}

Result<Snapshot> DecodeSnapshot(std::span<const uint8_t> payload) {
  ByteReader r(payload);
  Snapshot s;
  if (!r.U64(&s.own_mark) || !r.U64(&s.last_activity) || !GetSet(r, &s.decrypted) ||
      !GetSet(r, &s.burned) || r.left() != 0) {
    return Status::Corruption("snapshot record is malformed");
  }
  return s;
}

std::vector<uint8_t> EncodeU64(uint64_t v) {
  ByteWriter w;
  w.U64(v);
  return std::move(w.bytes());
}

std::vector<uint8_t> EncodeRange(const IndexRange& range) {
  ByteWriter w;
  w.U64(range.lo);
  w.U64(range.hi);
  return std::move(w.bytes());
}

bool DecodeU64(std::span<const uint8_t> payload, uint64_t* v) {
  ByteReader r(payload);
  return r.U64(v) && r.left() == 0;
}

bool DecodeRange(std::span<const uint8_t> payload, IndexRange* range) {
  ByteReader r(payload);
  return r.U64(&range->lo) && r.U64(&range->hi) && r.left() == 0 && range->lo < range->hi;
}

}  // namespace otc::padstore
