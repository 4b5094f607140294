#include "chat/client/config.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>
#include <map>

#include "tests/common/test_dir.h"

namespace otc::client {
namespace {

EnvLookup MapEnv(std::map<std::string, std::string> m) {
  return [m](const char* name) -> std::optional<std::string> {
    auto it = m.find(name);
    if (it == m.end()) return std::nullopt;
    return it->second;
  };
}

TEST(ConfigTest, ParsesKeysCommentsBlankLinesAndHome) {
  auto env = MapEnv({{"HOME", "/home/al"}});
  auto v = ParseConfigText(
      "# comment\n\n  user = alice  \ndevice=unix:~/dev.sock\r\n"
      "relay = http://127.0.0.1:9\ntoken_file = ~/t\nhistory = /tmp/h\n",
      "cfg", env);
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_EQ(v->user, "alice");
  EXPECT_EQ(v->device, "unix:~/dev.sock");  // only a value *starting* with ~/ is expanded
  EXPECT_EQ(v->relay, "http://127.0.0.1:9");
  EXPECT_EQ(v->token_file, "/home/al/t");
  EXPECT_EQ(v->history, "/tmp/h");
}

TEST(ConfigTest, UnknownKeyNamesFileAndLine) {
  auto v = ParseConfigText("user = a\nrelai = x\n", "/c/config", MapEnv({}));
  ASSERT_FALSE(v.ok());
  EXPECT_NE(v.status().message().find("/c/config:2"), std::string::npos);
  EXPECT_NE(v.status().message().find("unknown key 'relai'"), std::string::npos);
}

TEST(ConfigTest, LineWithoutEquals) {
  auto v = ParseConfigText("user alice\n", "cfg", MapEnv({}));
  ASSERT_FALSE(v.ok());
  EXPECT_NE(v.status().message().find("cfg:1: expected 'key = value'"), std::string::npos);
}

TEST(ConfigTest, ConfigDirPrecedence) {
  EXPECT_EQ(*ResolveConfigDir(std::string("/flag"), MapEnv({{"OTC_CONFIG_DIR", "/e"}})), "/flag");
  EXPECT_EQ(*ResolveConfigDir(std::nullopt,
                              MapEnv({{"OTC_CONFIG_DIR", "/e"}, {"XDG_CONFIG_HOME", "/x"}})),
            "/e");
  EXPECT_EQ(*ResolveConfigDir(std::nullopt, MapEnv({{"XDG_CONFIG_HOME", "/x"}, {"HOME", "/h"}})),
            "/x/otc");
  EXPECT_EQ(*ResolveConfigDir(std::nullopt, MapEnv({{"HOME", "/h"}})), "/h/.config/otc");
  EXPECT_FALSE(ResolveConfigDir(std::nullopt, MapEnv({})).ok());
}

TEST(ConfigTest, FlagsBeatEnvBeatFileBeatDefaults) {
  ConfigValues file, env, flags;
  file.user = "file-user";
  file.device = "unix:/file";
  file.relay = "http://file:1";
  file.history = "/file-h";
  env.device = "unix:/env";
  env.relay = "http://env:2";
  flags.relay = "http://flag:3";
  ClientConfig c = MergeConfig("/d", file, env, flags);
  EXPECT_EQ(c.config_dir, "/d");
  EXPECT_EQ(c.user, "file-user");
  EXPECT_EQ(c.device, "unix:/env");
  EXPECT_EQ(c.relay, "http://flag:3");
  EXPECT_EQ(c.history, "/file-h");
  EXPECT_EQ(c.token_file, "");
  ClientConfig d = MergeConfig("/d", {}, {}, {});
  EXPECT_EQ(d.relay, "http://127.0.0.1:9050");
  EXPECT_EQ(d.history, "");  // history is off unless asked for
}

TEST(ConfigTest, LoadReadsFileFromDirAndEnvOverrides) {
  TestDir dir;
  std::ofstream(dir.File("config")) << "user = alice\nrelay = http://127.0.0.1:1\n";
  ConfigValues flags;
  flags.device = "unix:/flag.sock";
  auto c = LoadClientConfig(std::nullopt, flags,
                            MapEnv({{"OTC_CONFIG_DIR", dir.path()}, {"OTC_RELAY", "unix:/r"}}));
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->config_dir, dir.path());
  EXPECT_EQ(c->user, "alice");
  EXPECT_EQ(c->relay, "unix:/r");
  EXPECT_EQ(c->device, "unix:/flag.sock");
}

TEST(ConfigTest, LoadWithoutFileIsFineAndMalformedFileIsNot) {
  TestDir dir;
  auto none = LoadClientConfig(dir.path(), {}, MapEnv({}));
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(none->user, "");
  std::ofstream(dir.File("config")) << "colour = blue\n";
  auto bad = LoadClientConfig(dir.path(), {}, MapEnv({}));
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find(dir.File("config") + ":1"), std::string::npos);
}

TEST(ConfigTest, TrailingCommentsAreNotPartOfTheValue) {
  auto v = ParseConfigText(
      "# whole line\nuser = alice   # me\nrelay = http://h:1#frag\ndevice = unix:/d.sock\t# tab\n"
      "history = # nothing\n",
      "c", MapEnv({}));
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_EQ(v->user, "alice");
  EXPECT_EQ(v->relay, "http://h:1#frag");  // no space before '#': part of the value
  EXPECT_EQ(v->device, "unix:/d.sock");
  EXPECT_EQ(v->history, "");
}

// The README's settings example, read from README.md and parsed as written there.
TEST(ConfigTest, ReadmeConfigExampleParsesVerbatim) {
  std::ifstream in(OTC_README);
  ASSERT_TRUE(in) << OTC_README;
  std::string line, snippet;
  bool inside = false;
  while (std::getline(in, line)) {
    if (!inside) {
      inside = line.find("which override `~/.config/otc/config`:") != std::string::npos;
      if (inside) std::getline(in, line);  // the blank line before the block
      continue;
    }
    if (!line.starts_with("    ")) break;  // the indented block ends
    snippet += line.substr(4) + "\n";
  }
  ASSERT_FALSE(snippet.empty()) << "README.md has no config example where expected";
  auto v = ParseConfigText(snippet, "README.md", MapEnv({}));
  ASSERT_TRUE(v.ok()) << v.status().ToString() << "\n" << snippet;
  EXPECT_EQ(v->user, "alice");
  EXPECT_EQ(v->relay, "http://203.0.113.7:9050");
  EXPECT_EQ(v->device, "unix:/home/alice/otc/store/device.sock");
}

TEST(ConfigTest, ConfigDirIsCreatedWithItsParentsPrivate) {
  TestDir dir;
  const std::string nested = dir.File("home/.config/otc");
  ASSERT_TRUE(CreateDirWithParents(*Env::Default(), nested).ok());
  for (const std::string& d : {dir.File("home"), dir.File("home/.config"), nested}) {
    struct stat st {};
    ASSERT_EQ(::stat(d.c_str(), &st), 0) << d;
    EXPECT_TRUE(S_ISDIR(st.st_mode)) << d;
    EXPECT_EQ(st.st_mode & 0777, 0700u) << d;
  }
  EXPECT_TRUE(CreateDirWithParents(*Env::Default(), nested).ok());  // existing: fine
}

}  // namespace
}  // namespace otc::client
