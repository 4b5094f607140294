#include "padstore/interval_set.h"

#include <gtest/gtest.h>

#include <random>
#include <set>

namespace otc::padstore {
namespace {

TEST(IntervalSetTest, MergesOverlappingAndAdjacentRanges) {
  IntervalSet s;
  s.Insert(10, 20);
  s.Insert(30, 40);
  EXPECT_EQ(s.IntervalCount(), 2u);
  s.Insert(20, 30);  // adjacent on both sides
  EXPECT_EQ(s.IntervalCount(), 1u);
  EXPECT_EQ(s.Intervals(), (std::vector<IndexRange>{{10, 40}}));
  s.Insert(5, 12);
  s.Insert(35, 50);
  s.Insert(60, 60);  // empty: ignored
  EXPECT_EQ(s.Intervals(), (std::vector<IndexRange>{{5, 50}}));
  EXPECT_EQ(s.Measure(), 45u);
}

TEST(IntervalSetTest, QueriesAtTheEdges) {
  IntervalSet s;
  s.Insert(10, 20);
  s.Insert(30, 40);
  EXPECT_FALSE(s.Overlaps(0, 10));
  EXPECT_TRUE(s.Overlaps(0, 11));
  EXPECT_TRUE(s.Overlaps(19, 30));
  EXPECT_FALSE(s.Overlaps(20, 30));
  EXPECT_FALSE(s.Overlaps(40, 100));
  EXPECT_FALSE(s.Overlaps(15, 15));
  EXPECT_TRUE(s.Covers(10, 20));
  EXPECT_FALSE(s.Covers(10, 21));
  EXPECT_FALSE(s.Covers(15, 35));
  EXPECT_EQ(s.CoveredWithin(15, 35), 10u);
  EXPECT_EQ(s.Gaps(0, 50), (std::vector<IndexRange>{{0, 10}, {20, 30}, {40, 50}}));
  EXPECT_EQ(s.Gaps(12, 18), (std::vector<IndexRange>{}));
  EXPECT_EQ(s.Gaps(15, 32), (std::vector<IndexRange>{{20, 30}}));
  EXPECT_EQ(*s.Min(), 10u);
  EXPECT_EQ(*s.End(), 40u);
}

TEST(IntervalSetTest, WorksNearTheTopOfTheIndexSpace) {
  IntervalSet s;
  const uint64_t top = UINT64_MAX;
  s.Insert(top - 10, top);
  s.Insert(top - 20, top - 10);
  EXPECT_EQ(s.Intervals(), (std::vector<IndexRange>{{top - 20, top}}));
  EXPECT_TRUE(s.Overlaps(top - 1, top));
}

TEST(IntervalSetTest, AgreesWithABruteForceModel) {
  std::mt19937_64 rng(42);
  IntervalSet s;
  std::set<uint64_t> model;
  for (int step = 0; step < 2000; ++step) {
    uint64_t lo = rng() % 500, len = rng() % 12;
    if (rng() % 2) {
      s.Insert(lo, lo + len);
      for (uint64_t i = lo; i < lo + len; ++i) model.insert(i);
    }
    bool overlap = false, covers = true;
    uint64_t covered = 0;
    for (uint64_t i = lo; i < lo + len; ++i) {
      overlap |= model.count(i) > 0;
      covers &= model.count(i) > 0;
      covered += model.count(i);
    }
    ASSERT_EQ(s.Overlaps(lo, lo + len), overlap);
    ASSERT_EQ(s.Covers(lo, lo + len), covers);
    ASSERT_EQ(s.CoveredWithin(lo, lo + len), covered);
    ASSERT_EQ(s.Measure(), model.size());
  }
  // Canonical: sorted, disjoint, non-adjacent.
  auto iv = s.Intervals();
  for (size_t i = 1; i < iv.size(); ++i) ASSERT_LT(iv[i - 1].hi, iv[i].lo);
}

}  // namespace
}  // namespace otc::padstore
