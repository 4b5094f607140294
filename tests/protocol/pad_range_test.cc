#include "chat/protocol/pad_range.h"

#include <gtest/gtest.h>

namespace otc::protocol {
namespace {

constexpr uint64_t k2To48 = uint64_t{1} << 48;

TEST(PadSpanTest, ForwardAndBackward) {
  auto f = PadSpan(Format::kOtc2, 100, 10, Direction::kUp);
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(*f, (PadInterval{100, 109}));
  auto b = PadSpan(Format::kOtc2, 100, 10, Direction::kDown);
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(*b, (PadInterval{91, 100}));
}

TEST(PadSpanTest, BackwardMayEndExactlyAtZeroButNotBelow) {
  auto ok = PadSpan(Format::kOtc1, 47, 48, Direction::kDown);
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(*ok, (PadInterval{0, 47}));
  EXPECT_EQ(PadSpan(Format::kOtc1, 46, 48, Direction::kDown).status().code(),
            Status::Code::kInvalidArgument);
  EXPECT_EQ(PadSpan(Format::kOtc2, 0, 2, Direction::kDown).status().code(),
            Status::Code::kInvalidArgument);
}

TEST(PadSpanTest, Otc1IndexIsSixBytes) {
  EXPECT_EQ(MaxPadIndex(Format::kOtc1), k2To48 - 1);
  auto last = PadSpan(Format::kOtc1, k2To48 - 48, 48, Direction::kUp);
  ASSERT_TRUE(last.ok());
  EXPECT_EQ(last->highest, k2To48 - 1);
  EXPECT_EQ(PadSpan(Format::kOtc1, k2To48 - 47, 48, Direction::kUp).status().code(),
            Status::Code::kInvalidArgument);
  EXPECT_EQ(PadSpan(Format::kOtc1, k2To48, 1, Direction::kDown).status().code(),
            Status::Code::kInvalidArgument);
  EXPECT_TRUE(PadSpan(Format::kOtc2, k2To48, 1, Direction::kDown).ok());
}

TEST(PadSpanTest, Otc2ForwardOverflowIsRejectedNotWrapped) {
  auto last = PadSpan(Format::kOtc2, UINT64_MAX - 31, 32, Direction::kUp);
  ASSERT_TRUE(last.ok());
  EXPECT_EQ(last->highest, UINT64_MAX);
  EXPECT_EQ(PadSpan(Format::kOtc2, UINT64_MAX - 30, 32, Direction::kUp).status().code(),
            Status::Code::kInvalidArgument);
  EXPECT_EQ(PadSpan(Format::kOtc2, 2, UINT64_MAX, Direction::kUp).status().code(),
            Status::Code::kInvalidArgument);
  EXPECT_EQ(PadSpan(Format::kOtc2, UINT64_MAX - 2, UINT64_MAX, Direction::kDown).status().code(),
            Status::Code::kInvalidArgument);
  auto whole = PadSpan(Format::kOtc2, 1, UINT64_MAX, Direction::kUp);  // 1 .. 2^64 - 1
  ASSERT_TRUE(whole.ok());
  EXPECT_EQ(*whole, (PadInterval{1, UINT64_MAX}));
}

TEST(PadSpanTest, ZeroLengthIsInvalid) {
  EXPECT_EQ(PadSpan(Format::kOtc2, 5, 0, Direction::kUp).status().code(),
            Status::Code::kInvalidArgument);
}

TEST(FormatTest, NamesRoundTrip) {
  EXPECT_EQ(FormatName(Format::kOtc1), "otc1");
  EXPECT_EQ(FormatName(Format::kOtc2), "otc2");
  EXPECT_EQ(*ParseFormat("otc1"), Format::kOtc1);
  EXPECT_EQ(*ParseFormat("otc2"), Format::kOtc2);
  EXPECT_EQ(ParseFormat("otc3").status().code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(ParseFormat("OTC2").status().code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(ParseFormat("").status().code(), Status::Code::kInvalidArgument);
}

}  // namespace
}  // namespace otc::protocol
