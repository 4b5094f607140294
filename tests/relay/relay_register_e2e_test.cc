// End to end with the real binaries: otc-relay (accounts required, its default) and the
// `otc register` client command. The token lands in the client's config directory, private,
// and only that token reads the queue.
#include <sys/stat.h>
#include <sys/wait.h>

#include <cstdio>
#include <fstream>

#include <gtest/gtest.h>

#include "common/encoding.h"
#include "common/http/client.h"
#include "tests/common/test_dir.h"
#include "tests/relay/relay_process.h"

namespace otc::relay {
namespace {

using otc::TestDir;
using otc::testing::RelayProcess;

// Runs `otc register` for `user` with `config_dir`; returns the exit code, output in *out.
int Register(const std::string& relay, const std::string& user, const std::string& config_dir,
             const TestDir& dir, std::string* out) {
  // No device runs: with --user given, an unreachable device is only a warning.
  std::string cmd = std::string(OTC_CLIENT_BINARY) + " register --user " + user +
                    " --device unix:" + dir.File("no-device.sock") + " --relay http://" + relay +
                    " --config-dir " + config_dir + " 2>&1";
  out->clear();
  FILE* p = ::popen(cmd.c_str(), "r");
  if (!p) return -1;
  char buf[512];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out->append(buf, n);
  int status = ::pclose(p);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::string ReadToken(const std::string& path) {
  std::ifstream in(path);
  std::string token;
  std::getline(in, token);
  return token;
}

int StatusOf(http::Client& c, const std::string& target, const std::string& token) {
  http::Request req(http::Verb::get, target, 11);
  if (!token.empty()) req.set(http::Field::authorization, "Bearer " + token);
  Result<http::Response> r = c.Send(std::move(req));
  return r.ok() ? static_cast<int>(r->result_int()) : -1;
}

TEST(RelayRegisterE2e, OtcRegisterKeepsAPrivateTokenThatAloneReadsTheQueue) {
  TestDir dir;
  RelayProcess relay;
  ASSERT_TRUE(
      relay.Start({"--listen", "127.0.0.1:0", "--db", dir.File("relay.db"), "--rate-limit", "0"},
                  dir.File("relay.log")));
  std::string out;
  std::string bob_dir = dir.File("home/bob/.config/otc");
  ASSERT_EQ(Register(relay.address(), "bob", bob_dir, dir, &out), 0) << out;
  struct stat st;
  ASSERT_EQ(::stat((bob_dir + "/relay_token").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_EQ(::stat(bob_dir.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  // Someone else asking for bob: refused by the relay (exit 12), nothing written.
  EXPECT_EQ(Register(relay.address(), "bob", dir.File("thief"), dir, &out), 12) << out;
  EXPECT_NE(out.find("registered already"), std::string::npos) << out;
  EXPECT_NE(::stat(dir.File("thief/relay_token").c_str(), &st), 0);
  // Registering twice from one config directory is refused by the client itself.
  EXPECT_EQ(Register(relay.address(), "bob", bob_dir, dir, &out), 2) << out;
  std::string mallory_dir = dir.File("mallory");
  ASSERT_EQ(Register(relay.address(), "mallory", mallory_dir, dir, &out), 0) << out;

  auto c = http::Client::Connect(relay.address());
  ASSERT_TRUE(c.ok());
  Result<http::Response> sent = (*c)->PostJson(
      "/send", {{"sender_uid", "alice"}, {"recipient_uid", "bob"}, {"contents", "QUJD"}});
  ASSERT_TRUE(sent.ok());
  ASSERT_EQ(sent->result_int(), 200);
  const std::string queue = "/getmessages?recipient_uid=bob&start_ref=0";
  EXPECT_EQ(StatusOf(**c, queue, ""), 401);
  EXPECT_EQ(StatusOf(**c, queue, ReadToken(mallory_dir + "/relay_token")), 403);
  EXPECT_EQ(StatusOf(**c, queue, ReadToken(bob_dir + "/relay_token")), 200);
}

}  // namespace
}  // namespace otc::relay
