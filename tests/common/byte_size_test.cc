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

TEST(ByteSizeTest, FollowsDdForDecimalAndBinarySuffixes) {
  // dd(1): M and MiB are 2^20, MB is 10^6; the letter's case does not matter.
  EXPECT_EQ(*ParseByteSize("16M"), 16777216u);
  EXPECT_EQ(*ParseByteSize("16MiB"), 16777216u);
  EXPECT_EQ(*ParseByteSize("16MB"), 16000000u);
  EXPECT_EQ(*ParseByteSize("16mb"), 16000000u);
  EXPECT_EQ(*ParseByteSize("1kB"), 1000u);
  EXPECT_EQ(*ParseByteSize("1K"), 1024u);
  EXPECT_EQ(*ParseByteSize("3GB"), 3000000000u);
  EXPECT_EQ(*ParseByteSize("2TB"), 2000000000000u);
  EXPECT_EQ(*ParseByteSize("1PB"), 1000000000000000u);
  EXPECT_EQ(*ParseByteSize("1PiB"), uint64_t{1} << 50);
  EXPECT_EQ(*ParseByteSize("512B"), 512u);
  EXPECT_EQ(*ParseByteSize("18446PB"), 18446000000000000000u);
  EXPECT_FALSE(ParseByteSize("18447PB").ok());
  for (const char* bad : {"1MBB", "1MiBi", "1Mi", "1BM", "1MBi"}) {
    EXPECT_FALSE(ParseByteSize(bad).ok()) << bad;
  }
}

TEST(ByteSizeTest, HelpTextStatesBothMeanings) {
  // The --help sentence must say what the parser does; check it against the parser.
  const std::string help = kByteSizeHelp;
  EXPECT_NE(help.find("16M = " + std::to_string(*ParseByteSize("16M"))), std::string::npos);
  EXPECT_NE(help.find("16MB = " + std::to_string(*ParseByteSize("16MB"))), std::string::npos);
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
