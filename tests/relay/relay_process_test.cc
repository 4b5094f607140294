// The otc-relay binary as a process: command line, SIGTERM, and durability under SIGKILL.
//
// OTC_TEST_PROFILE=long runs more SIGKILL rounds with more senders.
#include <signal.h>

#include <atomic>
#include <filesystem>
#include <future>
#include <map>
#include <random>
#include <set>
#include <thread>

#include <gtest/gtest.h>

#include "common/encoding.h"
#include "common/http/client.h"
#include "tests/common/test_dir.h"
#include "tests/relay/relay_process.h"
#include "tests/relay/test_name.h"

namespace otc::relay {
namespace {

using namespace std::chrono_literals;
using otc::TestDir;
using otc::testing::RelayProcess;

std::string ReadLog(const std::string& path) {
  std::string text;
  if (FILE* f = std::fopen(path.c_str(), "r")) {
    char buf[4096];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) text.append(buf, n);
    std::fclose(f);
  }
  return text;
}

bool LongProfile() {
  const char* p = std::getenv("OTC_TEST_PROFILE");
  return p && std::string(p) == "long";
}

std::vector<std::string> Args(const TestDir& dir, std::vector<std::string> extra = {}) {
  // The 2015 anonymous API: these tests are about the process, not accounts.
  std::vector<std::string> a = {
      "--listen", "127.0.0.1:0", "--db", dir.File("relay.db"), "--rate-limit", "0", "--threads",
      "2",        "--accounts",  "off",  "--metrics-listen",   "127.0.0.1:0"};
  a.insert(a.end(), extra.begin(), extra.end());
  return a;
}

TEST(RelayProcess, HelpListsOptionsAndExitsZero) {
  std::string out;
  EXPECT_EQ(RelayProcess::Run({"--help"}, &out), 0);
  for (const char* flag :
       {"--listen", "--db", "--retention", "--max-message", "--rate-limit", "Exit codes"}) {
    EXPECT_NE(out.find(flag), std::string::npos) << flag;
  }
}

TEST(RelayProcess, UsageErrorsExit2WithAOneLineReason) {
  TestDir dir;
  std::string out;
  EXPECT_EQ(RelayProcess::Run({"--bogus"}, &out), 2);
  out.clear();
  EXPECT_EQ(RelayProcess::Run({"--db", dir.File("x.db"), "--retention", "5x"}, &out), 2);
  EXPECT_NE(out.find("--retention"), std::string::npos) << out;
  out.clear();
  EXPECT_EQ(RelayProcess::Run({"--db", dir.File("x.db"), "--listen", "example.com:80"}, &out), 2);
  EXPECT_NE(out.find("--listen"), std::string::npos) << out;
  out.clear();
  EXPECT_EQ(RelayProcess::Run({"--db", dir.File("x.db"), "--max-message", "lots"}, &out), 2);
  EXPECT_FALSE(std::filesystem::exists(dir.File("x.db")));  // nothing created
}

TEST(RelayProcess, SecondRelayOnTheSameDatabaseCannotStart) {
  TestDir dir;
  RelayProcess first;
  ASSERT_TRUE(first.Start(Args(dir), dir.File("first.log")));
  std::string out;
  EXPECT_EQ(RelayProcess::Run(Args(dir), &out), 13);  // cannot_start
  EXPECT_NE(out.find("another otc-relay"), std::string::npos) << out;
}

TEST(RelayProcess, SigtermAnswersHeldRequestsAndClosesTheDatabase) {
  TestDir dir;
  RelayProcess relay;
  ASSERT_TRUE(relay.Start(Args(dir), dir.File("relay.log")));
  auto client = http::Client::Connect(relay.address());
  ASSERT_TRUE(client.ok());
  ASSERT_EQ(
      (*client)
          ->PostJson("/send", {{"sender_uid", "a"}, {"recipient_uid", "b"}, {"contents", "QUJD"}})
          ->result_int(),
      200);
  std::string address = relay.address();
  auto held = std::async(std::launch::async, [address] {
    auto c = http::Client::Connect(address);
    Result<http::Response> r = (*c)->Send(
        http::Request(http::Verb::get, "/getmessages?recipient_uid=nobody&start_ref=0&wait=60", 11),
        60s);
    return r.ok() ? r->result_int() : -1;
  });
  // Wait until the relay holds it.
  std::string metrics_address =
      nlohmann::json::parse(relay.startup_line())["metrics_listen"].get<std::string>();
  auto metrics = http::Client::Connect(metrics_address);
  ASSERT_TRUE(metrics.ok());
  for (int i = 0; i < 1000; ++i) {
    Result<http::Response> m = (*metrics)->Get("/metrics");
    if (m.ok() && m->body().find("otc_relay_longpolls_held 1\n") != std::string::npos) break;
    std::this_thread::sleep_for(5ms);
  }
  relay.Signal(SIGTERM);
  ASSERT_EQ(held.wait_for(20s), std::future_status::ready);
  EXPECT_EQ(held.get(), 200);
  EXPECT_EQ(relay.Wait(), 0) << ReadLog(dir.File("relay.log"));
  EXPECT_FALSE(std::filesystem::exists(dir.File("relay.db-wal")));  // cleanly closed
  // And the message is still there after a restart.
  RelayProcess again;
  ASSERT_TRUE(again.Start(Args(dir), dir.File("relay.log")));
  auto c2 = http::Client::Connect(again.address());
  Result<http::Response> r = (*c2)->Get("/getmessages?recipient_uid=b&start_ref=0");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(nlohmann::json::parse(r->body())["count"], 1);
}

TEST(RelayProcess, RefsAreNotReusedAfterAckAndRestart) {
  TestDir dir;
  uint64_t last = 0;
  {
    RelayProcess relay;
    ASSERT_TRUE(relay.Start(Args(dir), dir.File("relay.log")));
    auto c = http::Client::Connect(relay.address());
    // Distinct contents: a repeated send would get its first ref back.
    for (const char* contents : {"QUJD", "QUJE", "QUJF"}) {
      last = nlohmann::json::parse(
          (*c)->PostJson("/send",
                         {{"sender_uid", "a"}, {"recipient_uid", "b"}, {"contents", contents}})
              ->body())["ref"];
    }
    ASSERT_EQ(
        nlohmann::json::parse((*c)->PostJson("/ack", {{"recipient_uid", "b"}, {"up_to_ref", last}})
                                  ->body())["deleted"],
        3);
    relay.Signal(SIGTERM);
    ASSERT_EQ(relay.Wait(), 0) << ReadLog(dir.File("relay.log"));
  }
  RelayProcess relay;
  ASSERT_TRUE(relay.Start(Args(dir), dir.File("relay.log")));
  auto c = http::Client::Connect(relay.address());
  EXPECT_EQ(nlohmann::json::parse((*c)->Get("/getnextref?recipient_uid=b")->body())["nextref"],
            last + 1);
  uint64_t next = nlohmann::json::parse(
      (*c)->PostJson("/send", {{"sender_uid", "a"}, {"recipient_uid", "b"}, {"contents", "QUJH"}})
          ->body())["ref"];
  EXPECT_EQ(next, last + 1);
}

// Sends from several connections while the relay is SIGKILLed at random moments; after
// each restart every send that got a 200 must be there, unchanged, under its ref, and no
// ref may ever be handed out twice.
TEST(RelayProcess, AcknowledgedSendsSurviveSigkill) {
  TestDir dir;
  const int rounds = LongProfile() ? 20 : 3;
  const int senders = LongProfile() ? 16 : 6;
  std::mt19937 rng(12345);

  struct Acked {
    std::string recipient;
    std::string contents;
  };
  std::map<uint64_t, Acked> acked;  // every ref that got a 200, across all rounds
  int duplicates = 0;

  for (int round = 0; round < rounds; ++round) {
    RelayProcess relay;
    ASSERT_TRUE(relay.Start(Args(dir), dir.File("relay.log"))) << "round " << round;

    // Everything acknowledged so far is present and unchanged.
    {
      auto c = http::Client::Connect(relay.address());
      ASSERT_TRUE(c.ok());
      std::map<uint64_t, Acked> seen;
      for (int s = 0; s < senders; ++s) {
        std::string recipient = otc::testing::Name("r", s);
        uint64_t start = 0;
        while (true) {
          Result<http::Response> r =
              (*c)->Get("/getmessages?recipient_uid=" + recipient +
                        otc::testing::Name("&start_ref=", start) + "&maxcount=1000");
          ASSERT_TRUE(r.ok());
          nlohmann::json j = nlohmann::json::parse(r->body());
          for (auto& m : j["messages"]) {
            seen[m["ref"]] = {m["recipient_uid"], m["contents"]};
            start = m["ref"].get<uint64_t>() + 1;
          }
          if (j["complete"]) break;
        }
      }
      for (auto& [ref, a] : acked) {
        auto it = seen.find(ref);
        ASSERT_NE(it, seen.end()) << "acknowledged ref " << ref << " lost (round " << round << ")";
        EXPECT_EQ(it->second.recipient, a.recipient);
        EXPECT_EQ(it->second.contents, a.contents);
      }
      uint64_t nextref =
          nlohmann::json::parse((*c)->Get("/getnextref?recipient_uid=r0")->body())["nextref"];
      if (!acked.empty()) {
        EXPECT_GT(nextref, acked.rbegin()->first);
      }
    }

    std::atomic<bool> stop{false};
    std::mutex mu;
    std::vector<std::thread> threads;
    for (int s = 0; s < senders; ++s) {
      threads.emplace_back([&, s] {
        http::ClientOptions o;
        o.timeout = 3s;
        auto c = http::Client::Connect(relay.address(), o);
        if (!c.ok()) return;
        for (int i = 0; !stop.load(); ++i) {
          std::string recipient = otc::testing::Name("r", s);
          std::string text = otc::testing::Name("round ", round) +
                             otc::testing::Name(" sender ", s) + otc::testing::Name(" message ", i);
          std::string contents = Base64Encode(AsBytes(text));
          Result<http::Response> r = (*c)->PostJson(
              "/send", {{"sender_uid", "s"}, {"recipient_uid", recipient}, {"contents", contents}});
          if (!r.ok()) return;  // the relay is gone
          if (r->result_int() != 200) continue;
          uint64_t ref = nlohmann::json::parse(r->body())["ref"];
          std::lock_guard lock(mu);
          if (!acked.emplace(ref, Acked{recipient, contents}).second) ++duplicates;
        }
      });
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(150 + rng() % 350));
    relay.Signal(SIGKILL);
    EXPECT_EQ(relay.Wait(), 128 + SIGKILL);
    stop = true;
    for (auto& t : threads) t.join();
  }
  EXPECT_EQ(duplicates, 0) << "a ref was handed out twice";
  EXPECT_GT(acked.size(), static_cast<size_t>(rounds));  // the load did happen

  // Final check after the last kill.
  RelayProcess relay;
  ASSERT_TRUE(relay.Start(Args(dir), dir.File("relay.log")));
  auto c = http::Client::Connect(relay.address());
  size_t found = 0;
  for (int s = 0; s < senders; ++s) {
    uint64_t start = 0;
    while (true) {
      nlohmann::json j =
          nlohmann::json::parse((*c)->Get(otc::testing::Name("/getmessages?recipient_uid=r", s) +
                                          "&start_ref=" + std::to_string(start) + "&maxcount=1000")
                                    ->body());
      for (auto& m : j["messages"]) {
        auto it = acked.find(m["ref"].get<uint64_t>());
        if (it != acked.end() && it->second.contents == m["contents"]) ++found;
        start = m["ref"].get<uint64_t>() + 1;
      }
      if (j["complete"]) break;
    }
  }
  EXPECT_EQ(found, acked.size());
  RecordProperty("acknowledged_sends", std::to_string(acked.size()));
}

}  // namespace
}  // namespace otc::relay
