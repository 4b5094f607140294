#include "chat/client/completion.h"

#include <gtest/gtest.h>

namespace otc::client {
namespace {

using V = std::vector<std::string>;
const V kContacts = {"bob", "carol", "charlie"};
const V kGroups = {"family", "friends"};

V Complete(std::string_view line) {
  size_t start = line.find_last_of(' ');
  start = start == std::string_view::npos ? 0 : start + 1;
  return CompleteWord(line, start, kContacts, kGroups);
}

TEST(CompletionTest, CommandNames) {
  EXPECT_EQ(Complete("s"), V{"send"});
  EXPECT_EQ(Complete("g"), (V{"group", "gs"}));
  EXPECT_EQ(Complete("c"), (V{"clear", "contacts"}));
  EXPECT_EQ(Complete("xyz"), V{});
  EXPECT_EQ(Complete("").size(), 12u);
}

TEST(CompletionTest, ContactsAfterSend) {
  EXPECT_EQ(Complete("send c"), (V{"carol", "charlie"}));
  EXPECT_EQ(Complete("send ch"), V{"charlie"});
  EXPECT_EQ(Complete("send "), kContacts);
}

TEST(CompletionTest, ListAfterMsCompletesTheLastElementAndSkipsUsedNames) {
  EXPECT_EQ(Complete("ms bob,c"), (V{"bob,carol", "bob,charlie"}));
  EXPECT_EQ(Complete("ms bob,"), (V{"bob,carol", "bob,charlie"}));
  EXPECT_EQ(Complete("ms carol,bob,c"), V{"carol,bob,charlie"});
}

TEST(CompletionTest, GroupsAfterGsGroupUngroup) {
  EXPECT_EQ(Complete("gs f"), kGroups);
  EXPECT_EQ(Complete("gs fr"), V{"friends"});
  EXPECT_EQ(Complete("ungroup fa"), V{"family"});
  EXPECT_EQ(Complete("group f"), kGroups);
}

TEST(CompletionTest, GroupMembersAndNothingInMessageText) {
  EXPECT_EQ(Complete("group new b"), V{"bob"});
  EXPECT_EQ(Complete("group new bob,ch"), V{"bob,charlie"});
  EXPECT_EQ(Complete("send bob c"), V{});
  EXPECT_EQ(Complete("gs friends b"), V{});
  EXPECT_EQ(Complete("id b"), V{});
}

TEST(CompletionTest, LeadingSpacesAreNotWords) {
  EXPECT_EQ(CompleteWord("  send b", 7, kContacts, kGroups), V{"bob"});
}

}  // namespace
}  // namespace otc::client
