#include "chat/device/bearer_token.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <string>

#include "tests/common/test_dir.h"

namespace otc::device {
namespace {

class TokenFile : public ::testing::Test {
 protected:
  std::string Write(const std::string& name, const std::string& contents, mode_t mode = 0600) {
    std::string path = dir_ + "/" + name;
    std::ofstream(path, std::ios::binary) << contents;
    ::chmod(path.c_str(), mode);
    return path;
  }
  TestDir scratch_;
  const std::string dir_ = scratch_.path();
};

TEST_F(TokenFile, LoadsAndMatches) {
  auto token = BearerToken::Load(Write("t", "0123456789abcdefXYZ\n"));
  ASSERT_TRUE(token.ok()) << token.status().ToString();
  EXPECT_TRUE(token->Matches("Bearer 0123456789abcdefXYZ"));
  EXPECT_TRUE(token->Matches("bearer 0123456789abcdefXYZ"));
  EXPECT_TRUE(token->Matches("BEARER 0123456789abcdefXYZ"));
}

TEST_F(TokenFile, RejectsWrongOrMalformedCredentials) {
  auto token = BearerToken::Load(Write("t", "0123456789abcdefXYZ"));
  ASSERT_TRUE(token.ok());
  for (const char* bad :
       {"", "Bearer", "Bearer ", "0123456789abcdefXYZ", "Basic 0123456789abcdefXYZ",
        "Bearer 0123456789abcdefXY", "Bearer 0123456789abcdefXYZ ", "Bearer 0123456789abcdefXYz",
        "Bearer  0123456789abcdefXYZ", "Bearer 0123456789abcdefXYZ0"}) {
    EXPECT_FALSE(token->Matches(bad)) << "'" << bad << "'";
  }
}

TEST_F(TokenFile, RefusesFilesOthersCanRead) {
  auto token = BearerToken::Load(Write("t", "0123456789abcdefXYZ", 0644));
  ASSERT_FALSE(token.ok());
  EXPECT_NE(token.status().message().find("chmod 600"), std::string::npos);
}

TEST_F(TokenFile, RefusesShortLongAndNonPrintableTokens) {
  EXPECT_FALSE(BearerToken::Load(Write("short", "short\n")).ok());
  EXPECT_FALSE(BearerToken::Load(Write("empty", "")).ok());
  EXPECT_FALSE(BearerToken::Load(Write("long", std::string(5000, 'a'))).ok());
  EXPECT_FALSE(BearerToken::Load(Write("space", "0123456789 abcdefXYZ")).ok());
  EXPECT_FALSE(BearerToken::Load(Write("nul", std::string("0123456789\0abcdefXYZ", 20))).ok());
  EXPECT_FALSE(BearerToken::FromText("tooshort").ok());
}

TEST_F(TokenFile, MissingFileNamesTheFlag) {
  auto token = BearerToken::Load(dir_ + "/missing");
  ASSERT_FALSE(token.ok());
  EXPECT_NE(token.status().message().find("--token-file"), std::string::npos);
}

TEST_F(TokenFile, ReadTokenFileStripsTheNewline) {
  auto text = ReadTokenFile(Write("t", "0123456789abcdefXYZ\r\n"));
  ASSERT_TRUE(text.ok());
  EXPECT_EQ(*text, "0123456789abcdefXYZ");
}

}  // namespace
}  // namespace otc::device
