// The client's relay token file: created private, inside a private config directory, never
// silently replaced, and refused when others can read it.
#include "chat/client/relay_account.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>

#include "tests/common/test_dir.h"

namespace otc::client {
namespace {

mode_t ModeOf(const std::string& path) {
  struct stat st;
  EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
  return st.st_mode & 0777;
}

TEST(RelayAccount, SavedPrivateInNewPrivateDirsAndLoadedBack) {
  otc::TestDir dir;
  std::string config = dir.path() + "/a/b/otc";
  EXPECT_EQ(*LoadRelayToken(config), "");  // no file: no account yet
  std::string token(64, 'f');
  ASSERT_TRUE(SaveRelayToken(config, token).ok());
  EXPECT_EQ(ModeOf(RelayTokenPath(config)), 0600u);
  EXPECT_EQ(ModeOf(config), 0700u);
  EXPECT_EQ(ModeOf(dir.path() + "/a/b"), 0700u);
  EXPECT_EQ(ModeOf(dir.path() + "/a"), 0700u);
  EXPECT_EQ(*LoadRelayToken(config), token);
  // Never replaced silently: a second registration must not lose the first token.
  EXPECT_EQ(SaveRelayToken(config, std::string(64, 'e')).code(), Status::Code::kAlreadyExists);
  EXPECT_EQ(*LoadRelayToken(config), token);
}

TEST(RelayAccount, ReadableByOthersOrMalformedIsRefused) {
  otc::TestDir dir;
  ASSERT_TRUE(SaveRelayToken(dir.path(), "abc").ok());
  ASSERT_EQ(::chmod(RelayTokenPath(dir.path()).c_str(), 0644), 0);
  Result<std::string> loose = LoadRelayToken(dir.path());
  EXPECT_EQ(loose.status().code(), Status::Code::kDenied);
  EXPECT_NE(loose.status().message().find("chmod 600"), std::string::npos);
  ASSERT_EQ(::chmod(RelayTokenPath(dir.path()).c_str(), 0600), 0);
  { std::ofstream(RelayTokenPath(dir.path())) << "two words\n"; }
  EXPECT_EQ(LoadRelayToken(dir.path()).status().code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(SaveRelayToken(dir.path() + "/x", "bad token").code(), Status::Code::kInvalidArgument);
}

}  // namespace
}  // namespace otc::client
