// IntervalSet: a set of 64-bit integers stored as disjoint, non-adjacent half-open
// intervals [lo, hi). Used for the decrypt log (which peer pad was decrypted) and the
// burn log (which pad was destroyed). Its size is the number of gaps, not the number of
// insertions: inserting messages in order keeps one interval.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <vector>

#include "padstore/pad_layout.h"

namespace otc::padstore {

class IntervalSet {
 public:
  // Adds [lo, hi), merging with overlapping or adjacent intervals. Empty ranges are
  // ignored.
  void Insert(uint64_t lo, uint64_t hi);
  void Insert(const IndexRange& r) { Insert(r.lo, r.hi); }

  // True if any element of [lo, hi) is in the set.
  bool Overlaps(uint64_t lo, uint64_t hi) const;
  bool Overlaps(const IndexRange& r) const { return Overlaps(r.lo, r.hi); }
  // True if every element of [lo, hi) is in the set (true for an empty range).
  bool Covers(uint64_t lo, uint64_t hi) const;
  // How many elements of [lo, hi) are in the set.
  uint64_t CoveredWithin(uint64_t lo, uint64_t hi) const;
  // The parts of [lo, hi) that are not in the set, in ascending order.
  std::vector<IndexRange> Gaps(uint64_t lo, uint64_t hi) const;

  // Total number of elements.
  uint64_t Measure() const { return measure_; }
  size_t IntervalCount() const { return map_.size(); }
  bool empty() const { return map_.empty(); }
  // Smallest element / one past the largest element.
  std::optional<uint64_t> Min() const;
  std::optional<uint64_t> End() const;

  std::vector<IndexRange> Intervals() const;
  void Clear() {
    map_.clear();
    measure_ = 0;
  }
  bool operator==(const IntervalSet& other) const { return map_ == other.map_; }

 private:
  std::map<uint64_t, uint64_t> map_;  // lo -> hi
  uint64_t measure_ = 0;
};

}  // namespace otc::padstore
