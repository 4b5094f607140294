// End to end: the outbox of the real `otc` with a real relay and devices. A message sent
// while the relay is down exits 75 and is delivered exactly once by `otc flush`; a damaged
// outbox is named and its intact messages still go out; and SIGKILL of `otc send` at
// random moments loses no accepted message, reuses no pad and raises no replay alarm.
//
// The kill loop runs 50 kills (OTC_TEST_PROFILE=long: 500).
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <random>
#include <set>
#include <thread>

#include <nlohmann/json.hpp>

#include "tests/e2e/cluster.h"

namespace otc::e2e {
namespace {

using nlohmann::json;

bool LongProfile() {
  const char* p = std::getenv("OTC_TEST_PROFILE");
  return p != nullptr && std::string(p) == "long";
}

class OutboxE2ETest : public ::testing::Test {
 protected:
  void SetUp() override {
    cluster_ = std::make_unique<Cluster>(Pairs{{"alice", "bob"}});
    ASSERT_EQ(cluster_->error(), "");
    ASSERT_TRUE(cluster_->StartAll()) << cluster_->error();
  }
  // bob's messages, checked: no replay alarm, no pad index twice.
  std::vector<json> BobReceives(bool allow_skipped) {
    RunResult r = cluster_->Otc("recv", "bob", {"--json"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.err.find("REPLAY"), std::string::npos) << r.err;
    std::vector<json> got = JsonLines(r.out);
    std::set<uint64_t> indices;
    for (const json& m : got) {
      for (const json& w : m["warnings"]) {
        EXPECT_NE(w, "replay") << m.dump();
        if (!allow_skipped) {
          EXPECT_NE(w, "skipped") << m.dump();
        }
      }
      if (m["index"].is_number()) {
        EXPECT_TRUE(indices.insert(m["index"].get<uint64_t>()).second) << "pad reused";
      }
    }
    return got;
  }
  std::unique_ptr<Cluster> cluster_;
};

std::vector<std::string> Texts(const std::vector<json>& msgs) {
  std::vector<std::string> t;
  for (const json& m : msgs) {
    if (m["text"].is_string()) t.push_back(m["text"].get<std::string>());
  }
  return t;
}

TEST_F(OutboxE2ETest, RelayDownSendExits75AndFlushDeliversExactlyOnceWithNoSkippedPad) {
  Cluster& c = *cluster_;
  RunResult before = c.Otc("send", "alice", {"bob", "before the outage"});
  ASSERT_EQ(before.exit_code, 0) << before.err;
  c.StopRelay();

  RunResult down = c.Otc("send", "alice", {"bob", "while the relay is down", "--retry-for", "0"});
  EXPECT_EQ(down.exit_code, 75) << down.err;
  EXPECT_NE(down.err.find("queued for bob"), std::string::npos) << down.err;
  EXPECT_NE(down.err.find("otc flush"), std::string::npos) << down.err;
  RunResult down_json =
      c.Otc("send", "alice", {"bob", "second while down", "--json", "--retry-for", "0"});
  EXPECT_EQ(down_json.exit_code, 75) << down_json.err;
  json j = json::parse(down_json.out);
  EXPECT_EQ(j["queued"], true);
  EXPECT_EQ(j["sent"], false);
  // Ciphertext only in the outbox.
  std::string box = ReadFile(c.Outbox("alice"));
  EXPECT_EQ(box.substr(0, 8), "OTCOUTB1");
  EXPECT_EQ(box.find("while the relay is down"), std::string::npos);

  RunResult still_down = c.Otc("flush", "alice", {"--json", "--retry-for", "0"});
  EXPECT_EQ(still_down.exit_code, 75) << still_down.out << still_down.err;
  EXPECT_EQ(json::parse(still_down.out)["queued"], 2);

  ASSERT_TRUE(c.StartRelay()) << c.error();
  RunResult flush = c.Otc("flush", "alice", {"--json"});
  EXPECT_EQ(flush.exit_code, 0) << flush.out << flush.err;
  json summary = json::parse(flush.out);
  EXPECT_EQ(summary["sent"], 2);
  EXPECT_EQ(summary["queued"], 0);
  EXPECT_TRUE(summary["damaged"].is_null());
  RunResult again = c.Otc("flush", "alice", {});
  EXPECT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(again.out, "nothing queued\n");
  EXPECT_EQ(ReadFile(c.Outbox("alice")), "OTCOUTB1");  // compacted

  std::vector<json> got = BobReceives(false);
  EXPECT_EQ(Texts(got), (std::vector<std::string>{"before the outage", "while the relay is down",
                                                  "second while down"}));
}

TEST_F(OutboxE2ETest, TheNextSendAndRecvSendWhatIsQueuedFirst) {
  Cluster& c = *cluster_;
  c.StopRelay();
  EXPECT_EQ(c.Otc("send", "alice", {"bob", "queued one", "--retry-for", "0"}).exit_code, 75);
  ASSERT_TRUE(c.StartRelay()) << c.error();
  RunResult next = c.Otc("send", "alice", {"bob", "next one"});
  EXPECT_EQ(next.exit_code, 0) << next.err;
  EXPECT_NE(next.err.find("sent to bob: queued "), std::string::npos) << next.err;
  EXPECT_EQ(Texts(BobReceives(false)), (std::vector<std::string>{"queued one", "next one"}));

  c.StopRelay();
  EXPECT_EQ(c.Otc("send", "alice", {"bob", "for recv", "--retry-for", "0"}).exit_code, 75);
  ASSERT_TRUE(c.StartRelay()) << c.error();
  RunResult recv = c.Otc("recv", "alice", {});
  EXPECT_EQ(recv.exit_code, 0) << recv.err;
  EXPECT_NE(recv.err.find("sent to bob"), std::string::npos) << recv.err;
  EXPECT_EQ(Texts(BobReceives(false)), std::vector<std::string>{"for recv"});
}

TEST_F(OutboxE2ETest, TwoFlushesAtOnceDeliverEachQueuedMessageOnce) {
  Cluster& c = *cluster_;
  c.StopRelay();
  // The chat queues one too, and says where it waits when it quits.
  RunResult chat = c.Otc("chat", "alice", {}, "send bob from the chat\nquit\n");
  EXPECT_EQ(chat.exit_code, 0) << chat.out << chat.err;
  EXPECT_NE(chat.out.find("~~ queued for bob"), std::string::npos) << chat.out;
  EXPECT_NE(chat.out.find("1 message(s) still queued for the relay in " + c.Outbox("alice")),
            std::string::npos)
      << chat.out;
  for (int i = 0; i < 3; ++i) {
    std::string text = "q";
    text += std::to_string(i);
    EXPECT_EQ(c.Otc("send", "alice", {"bob", text, "--retry-for", "0"}).exit_code, 75);
  }
  ASSERT_TRUE(c.StartRelay()) << c.error();
  // Two otc processes of alice's at once: the outbox lock lets one send, the other waits
  // and then finds nothing left.
  SpawnOptions o1, o2;
  o1.stdout_path = c.dir() + "/flush1.out";
  o2.stdout_path = c.dir() + "/flush2.out";
  Child f1 = Child::Spawn(c.OtcArgs("flush", "alice", {"--json"}), o1);
  Child f2 = Child::Spawn(c.OtcArgs("flush", "alice", {"--json"}), o2);
  EXPECT_EQ(f1.Wait(std::chrono::seconds(60)), 0);
  EXPECT_EQ(f2.Wait(std::chrono::seconds(60)), 0);
  int sent = json::parse(ReadFile(o1.stdout_path))["sent"].get<int>() +
             json::parse(ReadFile(o2.stdout_path))["sent"].get<int>();
  EXPECT_EQ(sent, 4);
  EXPECT_EQ(Texts(BobReceives(false)),
            (std::vector<std::string>{"from the chat", "q0", "q1", "q2"}));
}

// Byte offset of the n-th record (0-based) in an outbox file (outbox_format.h).
size_t RecordOffset(const std::string& box, int n) {
  size_t at = 8;
  for (int i = 0; i < n; ++i) {
    uint32_t len = 0;
    for (int b = 0; b < 4; ++b) len |= uint32_t{static_cast<uint8_t>(box[at + 4 + b])} << (8 * b);
    at += 9 + len;
  }
  return at;
}

TEST_F(OutboxE2ETest, ADamagedOutboxIsNamedAndItsIntactMessagesAreStillSent) {
  Cluster& c = *cluster_;
  c.StopRelay();
  for (std::string t : {"first", "second", "third"}) {
    EXPECT_EQ(c.Otc("send", "alice", {"bob", t, "--retry-for", "0"}).exit_code, 75);
  }
  std::string box = ReadFile(c.Outbox("alice"));
  box[RecordOffset(box, 1) + 30] ^= 0x01;  // a bit flipped inside the second record
  WriteFile(c.Outbox("alice"), box);

  ASSERT_TRUE(c.StartRelay()) << c.error();
  RunResult flush = c.Otc("flush", "alice", {});
  EXPECT_EQ(flush.exit_code, 14) << flush.out << flush.err;  // damaged
  EXPECT_NE(flush.err.find("the outbox " + c.Outbox("alice") + " was damaged"), std::string::npos)
      << flush.err;
  EXPECT_NE(flush.err.find(c.Outbox("alice") + ".damaged-"), std::string::npos) << flush.err;
  int kept = 0;
  for (const auto& e : std::filesystem::directory_iterator(c.StateDir())) {
    if (e.path().string().find(".damaged-") != std::string::npos) {
      ++kept;
      EXPECT_EQ(ReadFile(e.path().string()), box);  // the damaged bytes, as found
    }
  }
  EXPECT_EQ(kept, 1);
  // The intact ones arrive; the lost one's pad shows as skipped at bob's (reported above).
  EXPECT_EQ(Texts(BobReceives(true)), (std::vector<std::string>{"first", "third"}));
  EXPECT_EQ(c.Otc("flush", "alice", {}).exit_code, 0);
}

TEST_F(OutboxE2ETest, SigkillAtRandomMomentsLosesNoAcceptedMessageAndDeliversEachOnce) {
  Cluster& c = *cluster_;
  const int kKills = LongProfile() ? 500 : 50;
  // How long one send takes here, to spread the kills over it.
  auto t0 = std::chrono::steady_clock::now();
  ASSERT_EQ(c.Otc("send", "alice", {"bob", "calibration"}).exit_code, 0);
  auto span =
      std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - t0);
  std::mt19937 rng(std::random_device{}());
  std::uniform_int_distribution<int64_t> when(0, span.count() * 11 / 10);

  std::set<std::string> accepted{"calibration"}, attempted{"calibration"};
  int kills = 0;
  bool relay_up = true;
  for (int i = 0; kills < kKills; ++i) {
    std::string text = "k";
    text += std::to_string(i);
    attempted.insert(text);
    // Some of the sends find the relay down, so kills also land in queued sends and in
    // the flushes of the next ones.
    if (i % 10 == 3) {
      c.StopRelay();
      relay_up = false;
    }
    if (i % 10 == 6) {
      ASSERT_TRUE(c.StartRelay()) << c.error();
      relay_up = true;
    }
    Child send =
        Child::Spawn(c.OtcArgs("send", "alice", {"bob", text, "--retry-for", "0"}), SpawnOptions{});
    ASSERT_GT(send.pid(), 0);
    std::this_thread::sleep_for(std::chrono::microseconds(when(rng)));
    if (send.running()) {
      send.Signal(SIGKILL);
      ++kills;
    }
    int code = send.Wait(std::chrono::seconds(60));
    if (code == 0 || code == 75) accepted.insert(text);
  }
  if (!relay_up) {
    ASSERT_TRUE(c.StartRelay()) << c.error();
  }
  RunResult flush = c.Otc("flush", "alice", {"--json"});
  EXPECT_EQ(flush.exit_code, 0) << flush.out << flush.err;

  std::vector<json> got = BobReceives(true);  // a kill before queueing skips its pad
  std::map<std::string, int> seen;
  for (const std::string& t : Texts(got)) ++seen[t];
  for (const auto& [text, n] : seen) {
    EXPECT_EQ(n, 1) << text << " delivered " << n << " times";
    EXPECT_TRUE(attempted.contains(text)) << text;
  }
  for (const std::string& t : accepted) EXPECT_EQ(seen[t], 1) << t << " accepted but not delivered";
  std::printf("%d kills, %zu accepted, %zu delivered\n", kills, accepted.size(), seen.size());
}

}  // namespace
}  // namespace otc::e2e
