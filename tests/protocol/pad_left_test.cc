// chat/protocol/pad_left.h: the one "pad left" and "messages left" every program shows.
#include "chat/protocol/pad_left.h"

#include <gtest/gtest.h>

namespace otc::protocol {
namespace {

TEST(PadLeftTest, MessagesLeftCountWhatTheFormatChargesPerMessage) {
  // otc1: 2m + 48 pad bytes per message; otc2 as the device sends it: m + 21 (envelope) + 32
  // = 153; hidden length: 32 + Bucket(100 + 21 + 4) = 32 + 256.
  EXPECT_EQ(EstimatePadLeft(Format::kOtc1, 248 * 10 + 247, 1 << 20).messages, 10u);
  EXPECT_EQ(EstimatePadLeft(Format::kOtc2, 153 * 10, 1 << 20).messages, 10u);
  EXPECT_EQ(EstimatePadLeft(Format::kOtc2, 153 * 10 - 1, 1 << 20).messages, 9u);
  EXPECT_EQ(EstimatePadLeft(Format::kOtc2, 288 * 3, 1 << 20, /*hide_length=*/true).messages, 3u);
  // otc1 cannot hide lengths: the flag does not change its cost.
  EXPECT_EQ(EstimatePadLeft(Format::kOtc1, 248 * 4, 1 << 20, true).messages, 4u);
  PadLeft none = EstimatePadLeft(Format::kOtc2, 63, 1 << 20);
  EXPECT_EQ(none.bytes, 63u);
  EXPECT_EQ(none.total, uint64_t{1} << 20);
  EXPECT_EQ(none.messages, 0u);
}

TEST(PadLeftTest, EveryAmountHasAUnit) {
  EXPECT_EQ(FormatPadBytes(63), "63 bytes");
  EXPECT_EQ(FormatPadBytes(1), "1 byte");
  EXPECT_EQ(FormatPadBytes(3 << 19), "1.5M");
  EXPECT_EQ(FormatPadLeft({63, 0, 0}), "63 bytes pad left, ~0 messages of 100 bytes");
  EXPECT_EQ(FormatPadLeft({3 << 19, 2 << 20, 11915}),
            "1.5M of 2M pad left (75%), ~11,915 messages of 100 bytes");
  EXPECT_EQ(FormatPadLeft({132, 1 << 20, 1}),
            "132 bytes of 1M pad left (0%), ~1 message of 100 bytes");
}

}  // namespace
}  // namespace otc::protocol
