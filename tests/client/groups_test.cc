#include "chat/client/groups.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>

#include "common/fault_injection_env.h"
#include "tests/common/test_dir.h"

namespace otc::client {
namespace {

TEST(GroupsTest, MissingFileIsEmpty) {
  TestDir dir;
  auto book = GroupBook::Load(*Env::Default(), dir.File("groups"));
  ASSERT_TRUE(book.ok());
  EXPECT_TRUE(book->Names().empty());
  EXPECT_FALSE(book->Members("x").has_value());
}

TEST(GroupsTest, DefineIsPersistedWithMode0600AndReloads) {
  TestDir dir;
  std::string path = dir.File("sub/groups");  // config dir created on first save
  {
    auto book = GroupBook::Load(*Env::Default(), path);
    ASSERT_TRUE(book.ok());
    ASSERT_TRUE(book->Define("friends", {"bob", "carol"}).ok());
    ASSERT_TRUE(book->Define("work", {"dave"}).ok());
    ASSERT_TRUE(book->Define("friends", {"carol", "erin"}).ok());  // redefine
  }
  struct stat st {};
  ASSERT_EQ(stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  std::ifstream in(path);
  std::string text((std::istreambuf_iterator<char>(in)), {});
  EXPECT_EQ(text, "# otc groups: NAME = USER1,USER2,...\nfriends = carol,erin\nwork = dave\n");

  auto again = GroupBook::Load(*Env::Default(), path);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->Names(), (std::vector<std::string>{"friends", "work"}));
  EXPECT_EQ(*again->Members("friends"), (std::vector<std::string>{"carol", "erin"}));
  ASSERT_TRUE(again->Remove("work").ok());
  EXPECT_EQ(again->Remove("work").code(), Status::Code::kNotFound);
  auto third = GroupBook::Load(*Env::Default(), path);
  EXPECT_EQ(third->Names(), std::vector<std::string>{"friends"});
}

TEST(GroupsTest, RejectsBadDefinitions) {
  TestDir dir;
  auto book = GroupBook::Load(*Env::Default(), dir.File("groups"));
  EXPECT_EQ(book->Define("Bad", {"bob"}).code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(book->Define("g", {}).code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(book->Define("g", {"B"}).code(), Status::Code::kInvalidArgument);
  EXPECT_TRUE(book->Names().empty());
}

TEST(GroupsTest, MalformedFileNamesTheLine) {
  TestDir dir;
  for (const char* text : {"friends bob\n", "friends = bob,,carol\n", "Friends = bob\n",
                           "a = bob\na = carol\n", "a = \n"}) {
    std::ofstream(dir.File("groups"), std::ios::trunc) << "# c\n" << text;
    auto book = GroupBook::Load(*Env::Default(), dir.File("groups"));
    ASSERT_FALSE(book.ok()) << text;
    EXPECT_EQ(book.status().code(), Status::Code::kCorruption);
    EXPECT_NE(book.status().message().find("groups:"), std::string::npos) << text;
  }
}

TEST(GroupsTest, FailedSaveLeavesMemoryAsOnDisk) {
  TestDir dir;
  FaultInjectionEnv env(Env::Default());
  auto book = GroupBook::Load(env, dir.File("groups"));
  ASSERT_TRUE(book.ok());
  ASSERT_TRUE(book->Define("a", {"bob"}).ok());
  env.SetDiskFull(true);
  EXPECT_FALSE(book->Define("b", {"carol"}).ok());
  EXPECT_FALSE(book->Define("a", {"dave"}).ok());
  EXPECT_EQ(book->Names(), std::vector<std::string>{"a"});
  EXPECT_EQ(*book->Members("a"), std::vector<std::string>{"bob"});
}

}  // namespace
}  // namespace otc::client
