// A relay that drops, replays (the identical package: "already read", no alarm, nothing
// shown twice), reorders and flips a byte: the receiving client shows the
// right warning for each, never shows forged text, and no pad is reused.
#include <gtest/gtest.h>

#include <set>

#include <nlohmann/json.hpp>

#include "tests/e2e/cluster.h"
#include "tests/e2e/hostile_relay.h"

namespace otc::e2e {
namespace {

using nlohmann::json;

TEST(HostileRelayE2ETest, EveryTamperingIsShownAndNoPadIsReused) {
  Cluster c(Pairs{{"alice", "bob"}});
  ASSERT_EQ(c.error(), "");
  ASSERT_TRUE(c.StartAll()) << c.error();
  // Sends are numbered from 1: m2 dropped, m4 replayed, m5 held back until after m6,
  // m7 has a flipped byte.
  auto hostile = HostileRelay::Start(
      "unix:" + c.dir() + "/hostile.sock", "unix:" + c.RelaySocket(),
      {{2, Tamper::kDrop}, {4, Tamper::kReplay}, {5, Tamper::kHold}, {7, Tamper::kFlip}},
      c.dir() + "/relay.db");
  ASSERT_NE(hostile, nullptr);

  std::set<uint64_t> sent_indices;
  for (int i = 1; i <= 8; ++i) {
    RunResult r = c.Otc("send", "alice", {"--json", "bob", "m" + std::to_string(i) + " secret"}, "",
                        "unix:" + c.dir() + "/hostile.sock");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    json j = json::parse(r.out);
    EXPECT_TRUE(sent_indices.insert(j["index"].get<uint64_t>()).second) << "alice reused pad";
  }
  EXPECT_EQ(hostile->Log().size(), 9u);  // 8 sends + the release of the held one

  RunResult bob = c.Otc("recv", "bob", {"--json"});
  ASSERT_EQ(bob.exit_code, 0) << bob.err;
  std::vector<json> got;
  for (const std::string& l : Lines(bob.out)) got.push_back(json::parse(l));

  struct Expect {
    const char* text;  // nullptr: no text may be shown
    std::vector<std::string> warnings;
  };
  std::vector<Expect> expected = {
      {"m1 secret", {}},          {"m3 secret", {"skipped"}},  // m2 was dropped
      {"m4 secret", {}},          {nullptr, {}},               // m4 again: already read
      {"m6 secret", {"skipped"}},                              // m5 held back: a gap
      {"m5 secret", {"late"}},                                 // m5 fills it
      {nullptr, {"integrity"}},                                // m7 flipped: never shown
      {"m8 secret", {"skipped"}},                              // m7's pad was never accepted
  };
  ASSERT_EQ(got.size(), expected.size()) << bob.out;
  std::set<uint64_t> received_indices;
  for (size_t i = 0; i < expected.size(); ++i) {
    SCOPED_TRACE(got[i].dump());
    EXPECT_EQ(got[i]["from"], "alice");
    if (expected[i].text) {
      EXPECT_EQ(got[i]["text"], expected[i].text);
      EXPECT_TRUE(received_indices.insert(got[i]["index"].get<uint64_t>()).second);
    } else if (got[i].value("already_read", false)) {
      // The identical package again: the device says it was read, shows nothing twice.
      EXPECT_TRUE(got[i]["text"].is_null());
      EXPECT_EQ(got[i]["index"], got[i - 1]["index"]);
    } else {
      EXPECT_TRUE(got[i]["text"].is_null());
      EXPECT_TRUE(got[i]["index"].is_null());
    }
    EXPECT_EQ(got[i]["warnings"].get<std::vector<std::string>>(), expected[i].warnings);
  }
  // The forged message's text (or anything of m7) never reached the screen.
  EXPECT_EQ(bob.out.find("m7"), std::string::npos);
  EXPECT_EQ(bob.err.find("m7"), std::string::npos);
  // Every index bob decrypted is one alice really used, once.
  for (uint64_t idx : received_indices) EXPECT_TRUE(sent_indices.contains(idx));

  // The same, as a person sees it: marked warnings in the text transcript.
  // (A second run sees nothing new: the cursor moved past all of it.)
  EXPECT_EQ(c.Otc("recv", "bob", {}).out, "");

  c.StopDevices();
  for (std::string u : {"alice", "bob"}) {
    RunResult fsck = c.Padstore({"fsck", "--store", c.Store(u)});
    EXPECT_EQ(fsck.exit_code, 0) << u << ": " << fsck.out << fsck.err;
  }
}

TEST(HostileRelayE2ETest, TextModeMarksWarningsClearly) {
  Cluster c(Pairs{{"alice", "bob"}});
  ASSERT_EQ(c.error(), "");
  ASSERT_TRUE(c.StartAll()) << c.error();
  auto hostile =
      HostileRelay::Start("unix:" + c.dir() + "/hostile.sock", "unix:" + c.RelaySocket(),
                          {{1, Tamper::kReplay}, {2, Tamper::kFlip}}, c.dir() + "/relay.db");
  ASSERT_NE(hostile, nullptr);
  for (const char* m : {"first", "forged?"}) {
    ASSERT_EQ(c.Otc("send", "alice", {"bob", m}, "", "unix:" + c.dir() + "/hostile.sock").exit_code,
              0);
  }
  RunResult bob = c.Otc("recv", "bob", {});
  ASSERT_EQ(bob.exit_code, 0) << bob.err;
  std::vector<std::string> lines = Lines(bob.out);
  ASSERT_EQ(lines.size(), 3u) << bob.out;
  EXPECT_NE(lines[0].find("alice: first"), std::string::npos);
  // The identical package again: a quiet note, not an alarm.
  EXPECT_NE(lines[1].find("alice: (a message already read on another of your clients)"),
            std::string::npos);
  EXPECT_EQ(lines[1].find("!!"), std::string::npos);
  EXPECT_NE(lines[2].find("!! alice: INTEGRITY check FAILED"), std::string::npos);
  EXPECT_EQ(bob.out.find("forged?"), std::string::npos);
}

}  // namespace
}  // namespace otc::e2e
