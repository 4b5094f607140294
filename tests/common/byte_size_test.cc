#include "common/byte_size.h"

#include <gtest/gtest.h>

namespace otc {
namespace {

TEST(ByteSizeTest, ParsesPlainNumbersAndBinarySuffixes) {
  EXPECT_EQ(*ParseByteSize("512"), 512u);
  EXPECT_EQ(*ParseByteSize("64K"), 64u * 1024);
  EXPECT_EQ(*ParseByteSize("512M"), 512u * 1024 * 1024);
  EXPECT_EQ(*ParseByteSize("1G"), uint64_t{1} << 30);
  EXPECT_EQ(*ParseByteSize("1T"), uint64_t{1} << 40);
  EXPECT_EQ(*ParseByteSize("1P"), uint64_t{1} << 50);
  EXPECT_EQ(*ParseByteSize("4KiB"), 4096u);
  EXPECT_EQ(*ParseByteSize("3m"), 3u << 20);
}

TEST(ByteSizeTest, RejectsBadText) {
  for (const char* bad : {"", "0", "-1", "1X", "T", "1.5.2G", "1.5G", "G1", "1TT", " 1"}) {
    Result<uint64_t> r = ParseByteSize(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.status().code(), Status::Code::kInvalidArgument);
    EXPECT_NE(r.status().message().find(std::string("'") + bad + "'"), std::string::npos)
        << r.status().message();
  }
}

TEST(ByteSizeTest, RejectsOverflow) {
  EXPECT_FALSE(ParseByteSize("18446744073709551616").ok());
  EXPECT_FALSE(ParseByteSize("16384P").ok());
  EXPECT_TRUE(ParseByteSize("16383P").ok());
}

TEST(ByteSizeTest, ZeroOnlyWhenAllowed) {
  EXPECT_FALSE(ParseByteSize("0").ok());
  EXPECT_EQ(*ParseByteSize("0", {.allow_zero = true}), 0u);
}

TEST(ByteSizeTest, FormatsExactAndFractional) {
  EXPECT_EQ(FormatByteSize(1000), "1000");
  EXPECT_EQ(FormatByteSize(64u << 20), "64M");
  EXPECT_EQ(FormatByteSize(uint64_t{1} << 40), "1T");
  EXPECT_EQ(FormatByteSize(3u << 29), "1.5G");
}

}  // namespace
}  // namespace otc
