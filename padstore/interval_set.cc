#include "padstore/interval_set.h"

#include <algorithm>

namespace otc::padstore {

void IntervalSet::Insert(uint64_t lo, uint64_t hi) {
  if (hi <= lo) return;
  // First interval that could touch [lo, hi): the one starting at or before lo.
  auto it = map_.upper_bound(lo);
  if (it != map_.begin()) {
    auto prev = std::prev(it);
    if (prev->second >= lo) it = prev;  // overlaps or is adjacent
  }
  while (it != map_.end() && it->first <= hi) {
    lo = std::min(lo, it->first);
    hi = std::max(hi, it->second);
    measure_ -= it->second - it->first;
    it = map_.erase(it);
  }
  map_.emplace(lo, hi);
  measure_ += hi - lo;
}

bool IntervalSet::Overlaps(uint64_t lo, uint64_t hi) const {
  if (hi <= lo) return false;
  auto it = map_.lower_bound(hi);  // first interval starting at or after hi: no overlap
  if (it == map_.begin()) return false;
  --it;  // last interval starting before hi
  return it->second > lo;
}

bool IntervalSet::Covers(uint64_t lo, uint64_t hi) const {
  if (hi <= lo) return true;
  auto it = map_.upper_bound(lo);
  if (it == map_.begin()) return false;
  --it;
  return it->first <= lo && it->second >= hi;
}

uint64_t IntervalSet::CoveredWithin(uint64_t lo, uint64_t hi) const {
  if (hi <= lo) return 0;
  uint64_t covered = 0;
  auto it = map_.upper_bound(lo);
  if (it != map_.begin()) --it;
  for (; it != map_.end() && it->first < hi; ++it) {
    uint64_t a = std::max(lo, it->first), b = std::min(hi, it->second);
    if (b > a) covered += b - a;
  }
  return covered;
}

std::vector<IndexRange> IntervalSet::Gaps(uint64_t lo, uint64_t hi) const {
  std::vector<IndexRange> gaps;
  if (hi <= lo) return gaps;
  uint64_t pos = lo;
  auto it = map_.upper_bound(lo);
  if (it != map_.begin()) --it;
  for (; it != map_.end() && it->first < hi && pos < hi; ++it) {
    if (it->second <= pos) continue;
    if (it->first > pos) gaps.push_back({pos, it->first});
    pos = std::max(pos, it->second);
  }
  if (pos < hi) gaps.push_back({pos, hi});
  return gaps;
}

std::optional<uint64_t> IntervalSet::Min() const {
  if (map_.empty()) return std::nullopt;
  return map_.begin()->first;
}

std::optional<uint64_t> IntervalSet::End() const {
  if (map_.empty()) return std::nullopt;
  return map_.rbegin()->second;
}

std::vector<IndexRange> IntervalSet::Intervals() const {
  std::vector<IndexRange> out;
  out.reserve(map_.size());
  for (const auto& [lo, hi] : map_) out.push_back({lo, hi});
  return out;
}

}  // namespace otc::padstore
