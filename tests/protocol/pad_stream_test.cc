#include "chat/protocol/pad_stream.h"

#include <gtest/gtest.h>

#include <array>
#include <vector>

namespace otc::protocol {
namespace {

std::vector<uint8_t> Pad(size_t n) {
  std::vector<uint8_t> pad(n);
  for (size_t i = 0; i < n; ++i) pad[i] = static_cast<uint8_t>(i);
  return pad;
}

TEST(MemoryPadStreamTest, ForwardHandsOutConsecutiveBytes) {
  auto pad = Pad(10);
  MemoryPadStream s(pad, 3, Direction::kUp);
  std::array<uint8_t, 2> a;
  std::array<uint8_t, 3> b;
  ASSERT_TRUE(s.Next(a).ok());
  ASSERT_TRUE(s.Next(b).ok());
  EXPECT_EQ(a, (std::array<uint8_t, 2>{3, 4}));
  EXPECT_EQ(b, (std::array<uint8_t, 3>{5, 6, 7}));
  EXPECT_EQ(s.consumed(), 5u);
}

TEST(MemoryPadStreamTest, BackwardWalksDown) {
  auto pad = Pad(10);
  MemoryPadStream s(pad, 6, Direction::kDown);
  std::array<uint8_t, 3> a;
  std::array<uint8_t, 2> b;
  ASSERT_TRUE(s.Next(a).ok());
  ASSERT_TRUE(s.Next(b).ok());
  EXPECT_EQ(a, (std::array<uint8_t, 3>{6, 5, 4}));
  EXPECT_EQ(b, (std::array<uint8_t, 2>{3, 2}));
}

TEST(MemoryPadStreamTest, LongBackwardReadsOfEveryLength) {
  auto pad = Pad(256);  // pad[i] == i
  for (size_t n = 0; n <= 40; ++n) {
    MemoryPadStream s(pad, 200, Direction::kDown);
    std::vector<uint8_t> first(n), second(n);
    ASSERT_TRUE(s.Next(first).ok());
    ASSERT_TRUE(s.Next(second).ok());
    for (size_t k = 0; k < n; ++k) {
      EXPECT_EQ(first[k], 200 - k) << n;
      EXPECT_EQ(second[k], 200 - n - k) << n;
    }
  }
}

TEST(MemoryPadStreamTest, BackwardReachesIndexZeroThenStops) {
  auto pad = Pad(4);
  MemoryPadStream s(pad, 3, Direction::kDown);
  std::array<uint8_t, 4> all;
  ASSERT_TRUE(s.Next(all).ok());
  EXPECT_EQ(all, (std::array<uint8_t, 4>{3, 2, 1, 0}));
  std::array<uint8_t, 1> more;
  EXPECT_EQ(s.Next(more).code(), Status::Code::kExhausted);
  EXPECT_TRUE(s.Next({}).ok());  // a zero-length read is always fine
}

TEST(MemoryPadStreamTest, ForwardStopsAtEndWithoutConsuming) {
  auto pad = Pad(8);
  MemoryPadStream s(pad, 5, Direction::kUp);
  std::array<uint8_t, 4> too_many;
  EXPECT_EQ(s.Next(too_many).code(), Status::Code::kExhausted);
  EXPECT_EQ(s.consumed(), 0u);
  std::array<uint8_t, 3> rest;
  ASSERT_TRUE(s.Next(rest).ok());
  EXPECT_EQ(rest, (std::array<uint8_t, 3>{5, 6, 7}));
}

TEST(MemoryPadStreamTest, FirstIndexOffsetsTheWindow) {
  auto pad = Pad(16);  // holds pad indices 1000 .. 1015
  MemoryPadStream fwd(pad, 1010, Direction::kUp, 1000);
  std::array<uint8_t, 2> a;
  ASSERT_TRUE(fwd.Next(a).ok());
  EXPECT_EQ(a, (std::array<uint8_t, 2>{10, 11}));

  MemoryPadStream back(pad, 1001, Direction::kDown, 1000);
  ASSERT_TRUE(back.Next(a).ok());
  EXPECT_EQ(a, (std::array<uint8_t, 2>{1, 0}));
  std::array<uint8_t, 1> b;
  EXPECT_EQ(back.Next(b).code(), Status::Code::kExhausted);  // index 999 is not held
}

TEST(MemoryPadStreamTest, StartOutsideThePadServesNothing) {
  auto pad = Pad(16);
  std::array<uint8_t, 1> b;
  EXPECT_EQ(MemoryPadStream(pad, 16, Direction::kUp).Next(b).code(), Status::Code::kExhausted);
  EXPECT_EQ(MemoryPadStream(pad, 999, Direction::kDown, 1000).Next(b).code(),
            Status::Code::kExhausted);
  EXPECT_EQ(MemoryPadStream(pad, UINT64_MAX, Direction::kDown).Next(b).code(),
            Status::Code::kExhausted);
  EXPECT_EQ(MemoryPadStream({}, 0, Direction::kUp).Next(b).code(), Status::Code::kExhausted);
}

}  // namespace
}  // namespace otc::protocol
