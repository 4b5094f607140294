// End to end: padgen-made pads, a real otc-relay, real otc-device daemons (--confirm auto)
// and the real `otc` client in scripted mode, all on Unix sockets in a temp dir.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdio>
#include <regex>
#include <set>
#include <thread>

#include <nlohmann/json.hpp>

#include "tests/e2e/cluster.h"

namespace otc::e2e {
namespace {

using nlohmann::json;

// "n100", "n101", ...: numbered messages for the ordering check.
std::string Numbered(int i) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "n%d", 100 + i);
  return buf;
}

std::vector<std::string> Texts(const std::vector<json>& msgs) {
  std::vector<std::string> t;
  for (const json& m : msgs)
    t.push_back(m["text"].is_string() ? m["text"].get<std::string>() : "<null>");
  return t;
}

class ChatE2ETest : public ::testing::Test {
 protected:
  void SetUp() override {
    cluster_ = std::make_unique<Cluster>(Pairs{{"alice", "bob"}, {"alice", "carol"}});
    ASSERT_EQ(cluster_->error(), "");
    ASSERT_TRUE(cluster_->StartAll()) << cluster_->error();
  }
  void ExpectSent(const RunResult& r) { EXPECT_EQ(r.exit_code, 0) << r.out << r.err; }
  std::unique_ptr<Cluster> cluster_;
};

TEST_F(ChatE2ETest, DirectMultiAndGroupSendInOrderWithQueuedMessagesDelivered) {
  Cluster& c = *cluster_;
  // bob writes first; alice's client is not running: the message waits on the relay.
  ExpectSent(c.Otc("send", "bob", {"alice", "are you there?"}));

  ExpectSent(c.Otc("send", "alice", {"bob", "hello bob"}));
  ExpectSent(c.Otc("send", "alice", {"bob,carol", "hello both"}));
  // A group defined and used in the interactive client (driven through a pipe).
  std::string history = c.dir() + "/alice-history";
  RunResult chat = c.Otc("chat", "alice", {"--history", history},
                         "group friends bob,carol\ngs friends group hi\nquit\n");
  EXPECT_EQ(chat.exit_code, 0) << chat.out << chat.err;
  EXPECT_NE(chat.out.find("alice -> friends (bob,carol): group hi"), std::string::npos) << chat.out;
  // --history keeps the transcript, readable by alice only.
  EXPECT_NE(ReadFile(history).find("alice -> friends (bob,carol): group hi"), std::string::npos);
  struct stat st {};
  ASSERT_EQ(stat(history.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  // The group was persisted in alice's config dir.
  EXPECT_NE(ReadFile(c.ConfigDir("alice") + "/groups").find("friends = bob,carol"),
            std::string::npos);
  for (int i = 0; i < 15; ++i) {
    ExpectSent(c.Otc("send", "alice", {"bob", Numbered(i)}));
  }

  RunResult bob = c.Otc("recv", "bob", {"--json"});
  ASSERT_EQ(bob.exit_code, 0) << bob.err;
  std::vector<json> got = JsonLines(bob.out);
  std::vector<std::string> expected = {"hello bob", "hello both", "group hi"};
  for (int i = 0; i < 15; ++i) expected.push_back(Numbered(i));
  EXPECT_EQ(Texts(got), expected);
  std::set<uint64_t> indices;
  uint64_t last_ref = 0;
  for (const json& m : got) {
    EXPECT_EQ(m["from"], "alice");
    EXPECT_TRUE(m["warnings"].empty()) << m.dump();
    EXPECT_GT(m["ref"].get<uint64_t>(), last_ref);
    last_ref = m["ref"].get<uint64_t>();
    EXPECT_TRUE(indices.insert(m["index"].get<uint64_t>()).second) << "pad index reused";
    EXPECT_TRUE(m["time"].is_string());
    // sent (alice's device clock, from the envelope) and received: RFC 3339, UTC; one
    // machine's clock, so sent is not after received.
    ASSERT_TRUE(m["sent"].is_string() && m["received"].is_string()) << m.dump();
    const std::string sent = m["sent"], received = m["received"];
    EXPECT_TRUE(std::regex_match(sent, std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)")))
        << sent;
    EXPECT_TRUE(std::regex_match(received, std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)")))
        << received;
    EXPECT_LE(sent.substr(0, 19), received.substr(0, 19));
  }

  RunResult carol = c.Otc("recv", "carol", {"--json"});
  ASSERT_EQ(carol.exit_code, 0) << carol.err;
  EXPECT_EQ(Texts(JsonLines(carol.out)), (std::vector<std::string>{"hello both", "group hi"}));

  // The cursor lives on the device and the relay was acked: nothing comes twice.
  RunResult again = c.Otc("recv", "bob", {"--json"});
  EXPECT_EQ(again.exit_code, 0);
  EXPECT_EQ(again.out, "");
  // bob's early message reached alice exactly once: in the interactive session if its
  // receiver got to it before `quit`, otherwise now.
  RunResult alice = c.Otc("recv", "alice", {});
  std::string both = chat.out + alice.out;
  size_t first = both.find("bob: are you there?");
  ASSERT_NE(first, std::string::npos) << both;
  EXPECT_EQ(both.find("bob: are you there?", first + 1), std::string::npos) << both;

  c.StopDevices();
  for (std::string u : {"alice", "bob", "carol"}) {
    RunResult fsck = c.Padstore({"fsck", "--store", c.Store(u)});
    EXPECT_EQ(fsck.exit_code, 0) << u << ": " << fsck.out << fsck.err;
  }
}

TEST_F(ChatE2ETest, FollowShowsMessagesAsTheyArrive) {
  Cluster& c = *cluster_;
  SpawnOptions o;
  o.stdout_path = c.dir() + "/bob-follow.out";
  o.stderr_path = c.dir() + "/bob-follow.err";
  Child bob = Child::Spawn(c.OtcArgs("recv", "bob", {"--follow", "--json"}), o);
  ASSERT_GT(bob.pid(), 0);
  ExpectSent(c.Otc("send", "alice", {"bob", "live one"}));
  EXPECT_TRUE(WaitForFileContaining(o.stdout_path, "live one", std::chrono::seconds(20)))
      << ReadFile(o.stderr_path);
  ExpectSent(c.Otc("send", "alice", {"bob", "live two"}));
  EXPECT_TRUE(WaitForFileContaining(o.stdout_path, "live two", std::chrono::seconds(20)));
  EXPECT_EQ(bob.Stop(), 0);
  EXPECT_EQ(Texts(JsonLines(ReadFile(o.stdout_path))),
            (std::vector<std::string>{"live one", "live two"}));
}

// Two receiving clients of bob's (both long-polling, so both fetch each message as it
// arrives): no replay alarm on either, every message's text is shown by exactly one of
// them, and the other says it was already read.
TEST_F(ChatE2ETest, TwoClientsOfOneAccountRaiseNoFalseAlarm) {
  Cluster& c = *cluster_;
  std::vector<SpawnOptions> opts(2);
  std::vector<Child> bobs;
  for (int i = 0; i < 2; ++i) {
    opts[i].stdout_path = c.dir() + "/bob" + std::to_string(i) + ".out";
    opts[i].stderr_path = c.dir() + "/bob" + std::to_string(i) + ".err";
    bobs.push_back(
        Child::Spawn(c.OtcArgs("recv", "bob", {"--follow", "--json", "--wait", "5"}), opts[i]));
    ASSERT_GT(bobs.back().pid(), 0);
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(500));  // both are long-polling
  const int kMessages = 6;
  for (int i = 0; i < kMessages; ++i) ExpectSent(c.Otc("send", "alice", {"bob", Numbered(i)}));
  auto count_events = [&] {
    size_t n = 0;
    for (const SpawnOptions& o : opts) n += Lines(ReadFile(o.stdout_path)).size();
    return n;
  };
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  std::multiset<std::string> texts;
  while (std::chrono::steady_clock::now() < deadline) {
    texts.clear();
    for (const SpawnOptions& o : opts) {
      for (const json& m : JsonLines(ReadFile(o.stdout_path))) {
        if (m["text"].is_string()) texts.insert(m["text"].get<std::string>());
      }
    }
    if (texts.size() >= kMessages) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // any late duplicate shows
  for (Child& b : bobs) EXPECT_EQ(b.Stop(), 0);
  std::multiset<std::string> expected;
  for (int i = 0; i < kMessages; ++i) expected.insert(Numbered(i));
  texts.clear();
  size_t already_read = 0;
  for (const SpawnOptions& o : opts) {
    for (const json& m : JsonLines(ReadFile(o.stdout_path))) {
      EXPECT_EQ(m["warnings"], json::array()) << m.dump();
      if (m["text"].is_string()) texts.insert(m["text"].get<std::string>());
      if (m.value("already_read", false)) {
        ++already_read;
        EXPECT_TRUE(m["text"].is_null()) << m.dump();
      }
    }
    EXPECT_EQ(ReadFile(o.stderr_path).find("REPLAY"), std::string::npos) << ReadFile(o.stderr_path);
  }
  EXPECT_EQ(texts, expected);  // each text exactly once across both clients
  EXPECT_EQ(count_events(), kMessages + already_read);
}

TEST_F(ChatE2ETest, UnreachableDeviceOrRelayIsReportedNotDropped) {
  Cluster& c = *cluster_;
  RunResult no_relay =
      c.Otc("send", "alice", {"bob", "into the void"}, "", "unix:" + c.dir() + "/nothing.sock");
  // Kept in the outbox, not lost: exit 75 (queued) and how to send it.
  EXPECT_EQ(no_relay.exit_code, 75) << no_relay.err;
  EXPECT_NE(no_relay.err.find("RELAY UNREACHABLE"), std::string::npos) << no_relay.err;
  EXPECT_NE(no_relay.err.find("queued for bob"), std::string::npos) << no_relay.err;
  EXPECT_NE(no_relay.err.find("otc flush"), std::string::npos) << no_relay.err;

  c.StopDevice("alice");
  RunResult no_device = c.Otc("send", "alice", {"bob", "hello?"});
  EXPECT_EQ(no_device.exit_code, 11) << no_device.err;
  EXPECT_NE(no_device.err.find("cannot reach the device"), std::string::npos) << no_device.err;

  RunResult unknown = c.Otc("send", "bob", {"carol", "we share no pad"});
  EXPECT_EQ(unknown.exit_code, 3) << unknown.err;  // unknown_contact, as otc-device says
  EXPECT_NE(unknown.err.find("not sent to carol: the device refused: unknown contact carol"),
            std::string::npos)
      << unknown.err;
  EXPECT_EQ(unknown.err.find("device: device"), std::string::npos) << unknown.err;

  RunResult wrong_user = c.Otc("send", "carol", {"alice", "x"}, "");
  EXPECT_EQ(wrong_user.exit_code, 0) << wrong_user.err;  // carol's own device: fine
  std::vector<std::string> argv = c.OtcArgs("send", "carol", {"alice", "x"});
  argv[5] = "unix:" + c.DeviceSocket("bob");  // carol pointing at bob's device
  RunResult mismatch = e2e::Run(argv, c.dir());
  EXPECT_EQ(mismatch.exit_code, 2);
  EXPECT_NE(mismatch.err.find("belongs to 'bob', not 'carol'"), std::string::npos) << mismatch.err;
}

TEST_F(ChatE2ETest, TcpDeviceWithBearerToken) {
  Cluster& c = *cluster_;
  std::string token = c.dir() + "/token";
  WriteFile(token, "0123456789abcdef0123456789abcdef\n", 0600);
  c.StopDevice("alice");
  std::string url = c.StartDeviceTcp("alice", token);
  ASSERT_NE(url, "") << c.error();

  std::vector<std::string> argv = c.OtcArgs("send", "alice", {"bob", "over tcp"});
  argv[5] = url;
  std::vector<std::string> with_token = argv;
  with_token.insert(with_token.begin() + 2, {"--token-file", token});
  RunResult ok = e2e::Run(with_token, c.dir());
  EXPECT_EQ(ok.exit_code, 0) << ok.err;

  RunResult no_token = e2e::Run(argv, c.dir());
  EXPECT_EQ(no_token.exit_code, 2);
  EXPECT_NE(no_token.err.find("needs --token-file"), std::string::npos) << no_token.err;

  std::string wrong = c.dir() + "/wrong";
  WriteFile(wrong, "fedcba9876543210fedcba9876543210\n", 0600);
  std::vector<std::string> with_wrong = argv;
  with_wrong.insert(with_wrong.begin() + 2, {"--token-file", wrong});
  RunResult refused = e2e::Run(with_wrong, c.dir());
  EXPECT_EQ(refused.exit_code, 5) << refused.err;  // denied
  EXPECT_NE(refused.err.find("refused the token"), std::string::npos) << refused.err;

  WriteFile(wrong, "fedcba9876543210fedcba9876543210\n", 0644);
  RunResult loose = e2e::Run(with_wrong, c.dir());
  EXPECT_EQ(loose.exit_code, 2);
  EXPECT_NE(loose.err.find("chmod 600"), std::string::npos) << loose.err;

  RunResult bob = c.Otc("recv", "bob", {});
  EXPECT_NE(bob.out.find("alice: over tcp"), std::string::npos) << bob.out << bob.err;
}

}  // namespace
}  // namespace otc::e2e
