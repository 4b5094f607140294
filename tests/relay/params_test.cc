#include "relay/params.h"

#include <gtest/gtest.h>

namespace otc::relay {
namespace {

using namespace std::chrono_literals;

TEST(Uid, AcceptsTheAlphabetUpTo64) {
  EXPECT_TRUE(IsValidUid("alice"));
  EXPECT_TRUE(IsValidUid("a.b-c_d0123456789"));
  EXPECT_TRUE(IsValidUid(std::string(64, 'z')));
  EXPECT_TRUE(IsValidUid("-"));
}

TEST(Uid, RejectsEverythingElse) {
  for (std::string bad :
       {std::string(), std::string(65, 'a'), std::string("Alice"), std::string("a b"),
        std::string("a/b"), std::string("a+b"), std::string("\xc3\xa9t\xc3\xa9"),
        std::string("a\0b", 3), std::string("a%20"), std::string("a\n")}) {
    EXPECT_FALSE(IsValidUid(bad)) << bad;
  }
}

TEST(Ref, ParsesDecimalText) {
  EXPECT_EQ(*ParseRef(std::string_view("0")), 0u);
  EXPECT_EQ(*ParseRef(std::string_view("0042")), 42u);
  EXPECT_EQ(*ParseRef(std::string_view("9223372036854775807")), 9223372036854775807ull);
}

TEST(Ref, RejectsNonNumericNegativeAndHuge) {
  for (const char* bad : {"", "-1", "+1", " 1", "1 ", "1.0", "0x10", "1e3", "abc",
                          "9223372036854775808", "99999999999999999999999"}) {
    EXPECT_FALSE(ParseRef(std::string_view(bad)).ok()) << bad;
  }
}

TEST(Ref, FromJson) {
  EXPECT_EQ(*ParseRef(nlohmann::json(7)), 7u);
  EXPECT_EQ(*ParseRef(nlohmann::json("7")), 7u);
  EXPECT_FALSE(ParseRef(nlohmann::json(-7)).ok());
  EXPECT_FALSE(ParseRef(nlohmann::json(7.5)).ok());
  EXPECT_FALSE(ParseRef(nlohmann::json(true)).ok());
  EXPECT_FALSE(ParseRef(nlohmann::json(nullptr)).ok());
  EXPECT_FALSE(ParseRef(nlohmann::json::array()).ok());
  EXPECT_FALSE(ParseRef(nlohmann::json(18446744073709551615ull)).ok());
}

TEST(Count, WithinRange) {
  EXPECT_EQ(*ParseCount("1", 1000), 1u);
  EXPECT_EQ(*ParseCount("1000", 1000), 1000u);
  EXPECT_FALSE(ParseCount("0", 1000).ok());
  EXPECT_FALSE(ParseCount("1001", 1000).ok());
  EXPECT_FALSE(ParseCount("-5", 1000).ok());
  EXPECT_FALSE(ParseCount("ten", 1000).ok());
}

TEST(Wait, SecondsWithDecimals) {
  EXPECT_EQ(*ParseWait("0", 60s), 0ms);
  EXPECT_EQ(*ParseWait("30", 60s), 30000ms);
  EXPECT_EQ(*ParseWait("60", 60s), 60000ms);
  EXPECT_EQ(*ParseWait("0.5", 60s), 500ms);
  EXPECT_EQ(*ParseWait("1.25", 60s), 1250ms);
  EXPECT_EQ(*ParseWait("2.001", 60s), 2001ms);
  for (const char* bad :
       {"", "61", "60.001", "-1", "1.2345", ".5", "5.", "x", "1e1", " 1", "99999999999999999999"}) {
    EXPECT_FALSE(ParseWait(bad, 60s).ok()) << bad;
  }
}

TEST(Duration, Units) {
  EXPECT_EQ(*ParseDuration("90s"), 90s);
  EXPECT_EQ(*ParseDuration("15m"), 900s);
  EXPECT_EQ(*ParseDuration("12h"), 43200s);
  EXPECT_EQ(*ParseDuration("30d"), 2592000s);
  EXPECT_EQ(*ParseDuration("off"), 0s);
  EXPECT_EQ(*ParseDuration("0"), 0s);
  for (const char* bad : {"", "d", "30", "30x", "-1d", "1.5h", "0d", "30 d"}) {
    EXPECT_FALSE(ParseDuration(bad).ok()) << bad;
  }
}

}  // namespace
}  // namespace otc::relay
