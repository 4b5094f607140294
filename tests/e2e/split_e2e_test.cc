// Moving the split end to end: real padgen, otc-relay, otc-device daemons and otc clients.
// A 64K pad gives each side 32K; alice sends far more than that while both clients run
// (`otc recv --follow`: bob's asks his device to grant pad when alice's packages ask for
// it, and sends the grant on; alice's takes it in, never showing it).
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/e2e/cluster.h"

namespace otc::e2e {
namespace {

using nlohmann::json;

// About 100 bytes, numbered, so order and completeness can be checked.
std::string AliceText(int i) {
  char head[32];
  std::snprintf(head, sizeof head, "alice %03d ", i);
  return std::string(head) + std::string(100 - 10, 'a' + i % 26);
}

std::vector<std::string> TextsFrom(const std::vector<json>& lines, const std::string& from) {
  std::vector<std::string> out;
  for (const json& m : lines) {
    if (m["from"] == from && m["text"].is_string()) out.push_back(m["text"].get<std::string>());
  }
  return out;
}

size_t CountWarnings(const std::vector<json>& lines) {
  size_t n = 0;
  for (const json& m : lines) n += m["warnings"].size();
  return n;
}

TEST(SplitE2ETest, AliceSendsPastHerHalfWhileBothClientsRunAndBobGetsEverything) {
  const int kAliceMessages = 300;
  Cluster c(Pairs{{"alice", "bob"}}, "64K");
  ASSERT_EQ(c.error(), "");
  ASSERT_TRUE(c.StartAll()) << c.error();

  SpawnOptions bob_out, alice_out;
  bob_out.stdout_path = c.dir() + "/bob-follow.out";
  bob_out.stderr_path = c.dir() + "/bob-follow.err";
  alice_out.stdout_path = c.dir() + "/alice-follow.out";
  alice_out.stderr_path = c.dir() + "/alice-follow.err";
  Child bob = Child::Spawn(c.OtcArgs("recv", "bob", {"--follow", "--json"}), bob_out);
  Child alice = Child::Spawn(c.OtcArgs("recv", "alice", {"--follow", "--json"}), alice_out);
  ASSERT_GT(bob.pid(), 0);
  ASSERT_GT(alice.pid(), 0);

  std::vector<std::string> bob_sent;
  int waits_for_pad = 0;
  for (int i = 0; i < kAliceMessages; ++i) {
    // A send refused for want of pad (exit 4, nothing consumed) waits for the grant in
    // flight; anything else is a failure.
    RunResult r;
    for (int attempt = 0; attempt < 100; ++attempt) {
      r = c.Otc("send", "alice", {"bob", AliceText(i)});
      if (r.exit_code != 4) break;
      ++waits_for_pad;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    ASSERT_EQ(r.exit_code, 0) << "message " << i << ": " << r.out << r.err;
    if (i % 30 == 29) {
      bob_sent.push_back("bob now and then " + std::to_string(i));
      RunResult b = c.Otc("send", "bob", {"alice", bob_sent.back()});
      ASSERT_EQ(b.exit_code, 0) << b.out << b.err;
    }
  }
  const std::string last = AliceText(kAliceMessages - 1);
  EXPECT_TRUE(
      WaitForFileContaining(bob_out.stdout_path, last.substr(0, 9), std::chrono::seconds(60)))
      << ReadFile(bob_out.stderr_path);
  EXPECT_TRUE(
      WaitForFileContaining(alice_out.stdout_path, bob_sent.back(), std::chrono::seconds(60)))
      << ReadFile(alice_out.stderr_path);
  EXPECT_EQ(bob.Stop(), 0);
  EXPECT_EQ(alice.Stop(), 0);

  // Everything arrived, in order, shown once; no warning anywhere (no replay, no skip).
  const std::vector<json> at_bob = JsonLines(ReadFile(bob_out.stdout_path));
  const std::vector<json> at_alice = JsonLines(ReadFile(alice_out.stdout_path));
  std::vector<std::string> expected;
  for (int i = 0; i < kAliceMessages; ++i) expected.push_back(AliceText(i));
  EXPECT_EQ(TextsFrom(at_bob, "alice"), expected);
  EXPECT_EQ(TextsFrom(at_alice, "bob"), bob_sent);
  EXPECT_EQ(CountWarnings(at_bob), 0u) << ReadFile(bob_out.stdout_path);
  EXPECT_EQ(CountWarnings(at_alice), 0u) << ReadFile(alice_out.stdout_path);
  EXPECT_EQ(ReadFile(bob_out.stderr_path), "");
  EXPECT_EQ(ReadFile(alice_out.stderr_path), "");
  std::printf("alice waited for pad %d times\n", waits_for_pad);

  c.StopDevices();  // their clean close makes every mark exact
  // The split moved: alice used more than her half, bob gave it, the ledgers agree.
  RunResult alice_status = c.Padstore({"status", "--store", c.Store("alice"), "--json"});
  RunResult bob_status = c.Padstore({"status", "--store", c.Store("bob"), "--json"});
  ASSERT_EQ(alice_status.exit_code, 0) << alice_status.err;
  ASSERT_EQ(bob_status.exit_code, 0) << bob_status.err;
  const json a = json::parse(alice_status.out)["contacts"][0]["generations"][0];
  const json b = json::parse(bob_status.out)["contacts"][0]["generations"][0];
  EXPECT_GT(a["own_used"].get<uint64_t>(), 32u << 10) << a.dump();
  EXPECT_GT(a["split_received"].get<uint64_t>(), 0u) << a.dump();
  EXPECT_EQ(a["split_received"], b["split_given"]) << a.dump() << b.dump();
  EXPECT_EQ(a["split_given"], b["split_received"]) << a.dump() << b.dump();
  EXPECT_EQ(a["own_capacity"].get<uint64_t>() + b["own_capacity"].get<uint64_t>(), 64u << 10);
  RunResult text = c.Padstore({"status", "--store", c.Store("alice")});
  EXPECT_NE(text.out.find("split moved"), std::string::npos) << text.out;
  for (const std::string user : {"alice", "bob"}) {
    // No replay or integrity alarm in either device's audit log; both stores check clean.
    const std::string audit = ReadFile(c.Store(user) + "/device-audit.log");
    EXPECT_EQ(audit.find("REPLAY"), std::string::npos) << user << ": " << audit;
    EXPECT_EQ(audit.find("INTEGRITY"), std::string::npos) << user << ": " << audit;
    RunResult fsck = c.Padstore({"fsck", "--store", c.Store(user)});
    EXPECT_EQ(fsck.exit_code, 0) << user << ": " << fsck.out << fsck.err;
  }
  EXPECT_NE(ReadFile(c.Store("bob") + "/device-audit.log").find("SPLIT_GRANT"), std::string::npos);
}

}  // namespace
}  // namespace otc::e2e
