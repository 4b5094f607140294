#include "chat/client/command.h"

#include <gtest/gtest.h>

namespace otc::client {
namespace {

template <typename T>
T Parse(std::string_view line) {
  Result<Command> c = ParseCommand(line);
  EXPECT_TRUE(c.ok()) << line << ": " << c.status().ToString();
  if (!c.ok()) return T{};
  EXPECT_TRUE(std::holds_alternative<T>(*c)) << line;
  if (!std::holds_alternative<T>(*c)) return T{};
  return std::get<T>(*c);
}

void ExpectError(std::string_view line, std::string_view fragment) {
  Result<Command> c = ParseCommand(line);
  ASSERT_FALSE(c.ok()) << line;
  EXPECT_EQ(c.status().code(), Status::Code::kInvalidArgument);
  EXPECT_NE(c.status().message().find(fragment), std::string::npos)
      << line << " -> " << c.status().message();
}

TEST(CommandTest, SendKeepsInnerAndTrailingSpaces) {
  SendCommand s = Parse<SendCommand>("send bob  hello   world ");
  EXPECT_EQ(s.to, std::vector<std::string>{"bob"});
  EXPECT_EQ(s.text, "hello   world ");
}

TEST(CommandTest, LeadingSpacesAndTabsAndCrlfAreIgnored) {
  SendCommand s = Parse<SendCommand>(" \tsend\tbob\thi\r\n");
  EXPECT_EQ(s.to, std::vector<std::string>{"bob"});
  EXPECT_EQ(s.text, "hi");
}

TEST(CommandTest, SendUtf8Text) {
  SendCommand s = Parse<SendCommand>("send carol h\xc3\xa9llo \xe2\x9c\x93");
  EXPECT_EQ(s.text, "h\xc3\xa9llo \xe2\x9c\x93");
}

TEST(CommandTest, SendErrors) {
  ExpectError("send", "usage: send USER MESSAGE");
  ExpectError("send bob", "usage: send USER MESSAGE");
  ExpectError("send bob    ", "usage: send USER MESSAGE");
  ExpectError("send bob    ", "empty message: nothing sent, no pad used");
  ExpectError("send Bob hi", "'Bob' is not valid");
  ExpectError("send b/o hi", "is not valid");
  ExpectError("send " + std::string(65, 'a') + " hi", "is not valid");
}

TEST(CommandTest, MultiSend) {
  SendCommand s = Parse<SendCommand>("ms bob,carol,dave see you at 8");
  EXPECT_EQ(s.to, (std::vector<std::string>{"bob", "carol", "dave"}));
  EXPECT_EQ(s.text, "see you at 8");
}

TEST(CommandTest, MultiSendErrors) {
  ExpectError("ms", "usage: ms");
  ExpectError("ms bob,carol", "usage: ms");
  ExpectError("ms bob,,carol hi", "empty name");
  ExpectError("ms bob, hi", "empty name");
  ExpectError("ms ,bob hi", "empty name");
  ExpectError("ms bob,bob hi", "listed twice");
  ExpectError("ms bob,CAROL hi", "'CAROL' is not valid");
}

TEST(CommandTest, GroupDefineShowAndList) {
  GroupDefineCommand d = Parse<GroupDefineCommand>("group friends bob,carol");
  EXPECT_EQ(d.name, "friends");
  EXPECT_EQ(d.members, (std::vector<std::string>{"bob", "carol"}));
  GroupDefineCommand show = Parse<GroupDefineCommand>("group friends");
  EXPECT_EQ(show.name, "friends");
  EXPECT_TRUE(show.members.empty());
  GroupDefineCommand list = Parse<GroupDefineCommand>("group");
  EXPECT_TRUE(list.name.empty());
}

TEST(CommandTest, GroupErrors) {
  ExpectError("group friends bob, carol", "no spaces in the list");
  ExpectError("group Friends bob", "group name 'Friends' is not valid");
  ExpectError("group friends bob,bob", "listed twice");
}

TEST(CommandTest, GroupSend) {
  GroupSendCommand g = Parse<GroupSendCommand>("gs friends lunch?");
  EXPECT_EQ(g.group, "friends");
  EXPECT_EQ(g.text, "lunch?");
  ExpectError("gs friends", "usage: gs GROUP MESSAGE");
  ExpectError("gs", "usage: gs GROUP MESSAGE");
  ExpectError("gs a,b hi", "group name 'a,b' is not valid");
}

TEST(CommandTest, Ungroup) {
  EXPECT_EQ(Parse<UngroupCommand>("ungroup friends").name, "friends");
  ExpectError("ungroup", "usage: ungroup NAME");
  ExpectError("ungroup a b", "usage: ungroup NAME");
}

TEST(CommandTest, NoArgumentCommands) {
  Parse<IdCommand>("id");
  Parse<HelpCommand>("help");
  Parse<ClearCommand>("clear");
  Parse<ContactsCommand>("contacts");
  Parse<QuitCommand>("quit");
  Parse<QuitCommand>("q");
  Parse<QuitCommand>("exit");
  Parse<QuitCommand>("  q  ");
  ExpectError("id me", "id (takes no arguments)");
  ExpectError("quit now", "quit (takes no arguments)");
}

TEST(CommandTest, EmptyAndUnknown) {
  Parse<EmptyCommand>("");
  Parse<EmptyCommand>("   \t ");
  ExpectError("sned bob hi", "unknown command 'sned': type help");
  ExpectError("SEND bob hi", "unknown command 'SEND'");
}

TEST(CommandTest, HelpMentionsEveryCommand) {
  std::string help = HelpText();
  for (const std::string& name : CommandNames()) {
    EXPECT_NE(help.find(name), std::string::npos) << name;
  }
}

}  // namespace
}  // namespace otc::client
