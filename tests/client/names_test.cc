#include "chat/client/names.h"

#include <gtest/gtest.h>

namespace otc::client {
namespace {

TEST(NamesTest, UidRule) {
  EXPECT_TRUE(IsValidUid("alice"));
  EXPECT_TRUE(IsValidUid("a.b-c_9"));
  EXPECT_TRUE(IsValidUid(std::string(64, 'z')));
  EXPECT_FALSE(IsValidUid(""));
  EXPECT_FALSE(IsValidUid(std::string(65, 'z')));
  EXPECT_FALSE(IsValidUid("Alice"));
  EXPECT_FALSE(IsValidUid("al ice"));
  EXPECT_FALSE(IsValidUid("al,ice"));
  EXPECT_FALSE(IsValidUid("\xc3\xa9"));
}

TEST(NamesTest, UidList) {
  auto ok = ParseUidList("bob");
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(*ok, std::vector<std::string>{"bob"});
  EXPECT_FALSE(ParseUidList("").ok());
  EXPECT_FALSE(ParseUidList(",").ok());
  EXPECT_FALSE(ParseUidList("bob,").ok());
  EXPECT_FALSE(ParseUidList("bob,Bob").ok());
  EXPECT_FALSE(ParseUidList("a,b,a").ok());
}

}  // namespace
}  // namespace otc::client
