#include "chat/client/chat_session.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <thread>

#include "tests/client/fakes.h"
#include "tests/common/test_dir.h"

namespace otc::client {
namespace {

using testing::FakeDevice;
using testing::FakeRelay;

// Forwards to a shared fake, guarded by one mutex (the session uses two threads).
class SharedDevice : public DeviceApi {
 public:
  SharedDevice(FakeDevice& d, std::mutex& mu) : d_(d), mu_(mu) {}
  Result<PackageResult> Package(const std::string& to, std::string_view m) override {
    std::lock_guard<std::mutex> l(mu_);
    return d_.Package(to, m);
  }
  Result<UnpackageResult> Unpackage(const std::string& f, const std::string& p) override {
    std::lock_guard<std::mutex> l(mu_);
    return d_.Unpackage(f, p);
  }
  Result<std::vector<ContactInfo>> Contacts() override {
    std::lock_guard<std::mutex> l(mu_);
    return d_.Contacts();
  }
  Result<std::string> Health() override { return std::string("alice"); }
  Result<uint64_t> GetCursor(const std::string& r) override {
    std::lock_guard<std::mutex> l(mu_);
    return d_.GetCursor(r);
  }
  Status PutCursor(const std::string& r, uint64_t n) override {
    std::lock_guard<std::mutex> l(mu_);
    return d_.PutCursor(r, n);
  }

 private:
  FakeDevice& d_;
  std::mutex& mu_;
};

class SharedRelay : public RelayApi {
 public:
  SharedRelay(FakeRelay& r, std::mutex& mu) : r_(r), mu_(mu) {}
  Status Check() override { return Status::Ok(); }
  Result<uint64_t> Send(const std::string& s, const std::string& r, const std::string& c) override {
    std::lock_guard<std::mutex> l(mu_);
    return r_.Send(s, r, c);
  }
  Result<std::vector<RelayMessage>> GetMessages(const std::string& r, uint64_t s, uint32_t m,
                                                uint32_t) override {
    {
      std::lock_guard<std::mutex> l(mu_);
      auto got = r_.GetMessages(r, s, m, 0);
      if (!got.ok() || !got->empty()) return got;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));  // a short "long-poll"
    return std::vector<RelayMessage>{};
  }
  Result<uint64_t> NextRef(const std::string& r) override { return r_.NextRef(r); }
  Status Ack(const std::string& r, uint64_t u) override {
    std::lock_guard<std::mutex> l(mu_);
    return r_.Ack(r, u);
  }

 private:
  FakeRelay& r_;
  std::mutex& mu_;
};

class Capture : public Output {
 public:
  void Line(const std::string& line) override {
    std::lock_guard<std::mutex> l(mu);
    lines.push_back(line);
  }
  void ClearScreen() override { ++clears; }
  bool WaitFor(std::string_view fragment) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < deadline) {
      {
        std::lock_guard<std::mutex> l(mu);
        for (const std::string& s : lines) {
          if (s.find(fragment) != std::string::npos) return true;
        }
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return false;
  }
  std::string All() {
    std::lock_guard<std::mutex> l(mu);
    std::string out;
    for (const std::string& s : lines) out += s + "\n";
    return out;
  }
  std::mutex mu;
  std::vector<std::string> lines;
  int clears = 0;
};

class ChatSessionTest : public ::testing::Test {
 protected:
  std::unique_ptr<ChatSession> Make(bool with_outbox = false) {
    ChatConnections c;
    c.send_device = std::make_unique<SharedDevice>(device_, mu_);
    c.recv_device = std::make_unique<SharedDevice>(device_, mu_);
    c.send_relay = std::make_unique<SharedRelay>(relay_, mu_);
    c.recv_relay = std::make_unique<SharedRelay>(relay_, mu_);
    ChatSessionOptions o;
    o.user = "alice";
    o.device_name = "unix:/dev.sock";
    o.relay_name = "http://127.0.0.1:9050";
    o.send_backoff.initial = std::chrono::milliseconds(1);
    o.send_backoff.attempts = 2;
    o.receive_backoff.initial = std::chrono::milliseconds(1);
    if (with_outbox) {
      o.outbox_path = dir_.File("state/outbox-alice");
      o.outbox_retry.initial = std::chrono::milliseconds(5);
      o.outbox_retry.max = std::chrono::milliseconds(20);
    }
    auto groups = GroupBook::Load(*Env::Default(), dir_.File("groups"));
    auto s = std::make_unique<ChatSession>(o, std::move(c), std::move(*groups), out_);
    s->Start();
    return s;
  }
  TestDir dir_;
  std::mutex mu_;
  FakeDevice device_;
  FakeRelay relay_;
  Capture out_;
};

TEST_F(ChatSessionTest, SendShowsTheOutgoingLineAfterTheRelayStoredIt) {
  auto s = Make();
  EXPECT_TRUE(s->HandleLine("send bob hello   there"));
  s->Drain();
  EXPECT_TRUE(out_.WaitFor("alice -> bob: hello   there")) << out_.All();
  std::lock_guard<std::mutex> l(mu_);
  ASSERT_EQ(relay_.messages.size(), 1u);
  EXPECT_EQ(relay_.messages[0].contents, "PKG:bob:0:hello   there");
}

TEST_F(ChatSessionTest, IncomingMessagesQueuedBeforeStartAppear) {
  relay_.messages.push_back({1, "bob", "alice", "PKG:alice:0:you there?"});
  auto s = Make();
  EXPECT_TRUE(out_.WaitFor("bob: you there?")) << out_.All();
}

TEST_F(ChatSessionTest, ForgeryIsAWarningAndNeverShowsText) {
  relay_.messages.push_back({1, "bob", "alice", "FORGED secret-looking text"});
  auto s = Make();
  EXPECT_TRUE(out_.WaitFor("!! bob: INTEGRITY check FAILED")) << out_.All();
  EXPECT_EQ(out_.All().find("secret-looking"), std::string::npos);
}

TEST_F(ChatSessionTest, GroupDefinePersistsAndGroupSendIsOnePackagePerMember) {
  auto s = Make();
  s->HandleLine("group friends bob,carol,alice");
  EXPECT_TRUE(out_.WaitFor("group friends = bob,carol,alice"));
  // The fake device shares pad with bob only; alice is the sender herself.
  EXPECT_TRUE(
      out_.WaitFor("!! group friends: not contacts on your device (no pad shared, sends "
                   "to them will fail): carol"))
      << out_.All();
  EXPECT_EQ(s->GroupNames(), std::vector<std::string>{"friends"});
  s->HandleLine("gs friends dinner at 8");
  s->Drain();
  EXPECT_TRUE(out_.WaitFor("alice -> friends (bob,carol): dinner at 8")) << out_.All();
  {
    std::lock_guard<std::mutex> l(mu_);
    ASSERT_EQ(relay_.messages.size(), 2u);  // not to alice herself
    EXPECT_EQ(relay_.messages[0].recipient, "bob");
    EXPECT_EQ(relay_.messages[1].recipient, "carol");
  }
  auto reloaded = GroupBook::Load(*Env::Default(), dir_.File("groups"));
  EXPECT_EQ(*reloaded->Members("friends"), (std::vector<std::string>{"bob", "carol", "alice"}));
  s->HandleLine("gs nobody hi");
  EXPECT_TRUE(out_.WaitFor("no group named 'nobody'"));
}

TEST_F(ChatSessionTest, FailedSendIsReportedWithTheTypedText) {
  relay_.send_failures = 100;
  auto s = Make();
  s->HandleLine("send bob please do not lose me");
  s->Drain();
  EXPECT_TRUE(out_.WaitFor("!! bob: RELAY UNREACHABLE")) << out_.All();
  EXPECT_TRUE(out_.WaitFor("!! bob: NOT SENT")) << out_.All();
  EXPECT_TRUE(out_.WaitFor("your message was: please do not lose me")) << out_.All();
}

TEST_F(ChatSessionTest, WithTheOutboxAnUnsentMessageIsQueuedThenShownAsSentWithoutRepackaging) {
  {
    std::lock_guard<std::mutex> l(mu_);
    relay_.send_failures = 1000;
  }
  auto s = Make(true);
  s->HandleLine("send bob please do not lose me");
  EXPECT_TRUE(out_.WaitFor("~~ queued for bob (relay: relay: connection refused)")) << out_.All();
  // Typing goes on while it waits.
  s->HandleLine("id");
  EXPECT_TRUE(out_.WaitFor("user alice"));
  {
    std::lock_guard<std::mutex> l(mu_);
    EXPECT_TRUE(relay_.messages.empty());
    relay_.send_failures = 0;  // the relay comes back
  }
  EXPECT_TRUE(out_.WaitFor("alice -> bob: please do not lose me  (sent after being queued)"))
      << out_.All();
  s->Shutdown();
  EXPECT_EQ(out_.All().find("NOT SENT"), std::string::npos) << out_.All();
  EXPECT_EQ(out_.All().find("still queued"), std::string::npos) << out_.All();
  std::lock_guard<std::mutex> l(mu_);
  ASSERT_EQ(relay_.messages.size(), 1u);
  EXPECT_EQ(relay_.messages[0].contents, "PKG:bob:0:please do not lose me");
  EXPECT_EQ(std::count(device_.log.begin(), device_.log.end(), "package bob"), 1);
}

TEST_F(ChatSessionTest, WithTheOutboxQuittingWhileQueuedSaysWhereTheMessagesWait) {
  {
    std::lock_guard<std::mutex> l(mu_);
    relay_.send_failures = 1000000;
  }
  auto s = Make(true);
  s->HandleLine("send bob later");
  EXPECT_TRUE(out_.WaitFor("~~ queued for bob")) << out_.All();
  s->Shutdown();
  EXPECT_TRUE(
      out_.WaitFor("1 message(s) still queued for the relay in " + dir_.File("state/outbox-alice")))
      << out_.All();
  // A later session sends it first.
  {
    std::lock_guard<std::mutex> l(mu_);
    relay_.send_failures = 0;
  }
  auto again = Make(true);
  EXPECT_TRUE(out_.WaitFor("~~ a message queued earlier was sent to bob")) << out_.All();
  again->Shutdown();
  std::lock_guard<std::mutex> l(mu_);
  ASSERT_EQ(relay_.messages.size(), 1u);
  EXPECT_EQ(relay_.messages[0].contents, "PKG:bob:0:later");
}

TEST_F(ChatSessionTest, QuitWaitsForTypedSends) {
  auto s = Make();
  s->HandleLine("ms bob,carol last words");
  EXPECT_FALSE(s->HandleLine("quit"));
  s->Shutdown();
  std::lock_guard<std::mutex> l(mu_);
  EXPECT_EQ(relay_.messages.size(), 2u);
}

TEST_F(ChatSessionTest, ContactsIdHelpClearAndErrors) {
  auto s = Make();
  s->HandleLine("contacts");
  EXPECT_TRUE(out_.WaitFor("  bob  otc2  ")) << out_.All();
  EXPECT_EQ(s->ContactNames(), std::vector<std::string>{"bob"});
  s->HandleLine("id");
  EXPECT_TRUE(out_.WaitFor("user alice, device unix:/dev.sock, relay http://127.0.0.1:9050"));
  s->HandleLine("help");
  EXPECT_TRUE(out_.WaitFor("gs NAME MESSAGE"));
  s->HandleLine("clear");
  EXPECT_EQ(out_.clears, 1);
  s->HandleLine("sned bob x");
  EXPECT_TRUE(out_.WaitFor("unknown command 'sned'"));
  EXPECT_TRUE(s->HandleLine(""));
}

TEST_F(ChatSessionTest, ShowsTheSentTimeAndTheArrivalWhenTheyDiffer) {
  const std::time_t now = std::time(nullptr);
  device_.sent_ms = (int64_t{now} - 7200) * 1000;  // sent two hours ago
  relay_.messages.push_back({1, "bob", "alice", "PKG:alice:0:waited a while"});
  auto s = Make();
  ASSERT_TRUE(out_.WaitFor("bob: waited a while")) << out_.All();
  auto hms = [](std::time_t t) {
    std::tm tm{};
    localtime_r(&t, &tm);
    char buf[16];
    std::strftime(buf, sizeof buf, "%H:%M:%S", &tm);
    return std::string(buf);
  };
  const std::string all = out_.All();
  // The sent time first, then the arrival (a second may pass before it arrives; the dates
  // appear only around midnight).
  EXPECT_NE(all.find(hms(now - 7200)), std::string::npos) << all;
  EXPECT_NE(all.find(", received "), std::string::npos) << all;
  EXPECT_LT(all.find(hms(now - 7200)), all.find(", received ")) << all;
}

TEST_F(ChatSessionTest, RollbackIsShownAsAnActionableWarning) {
  device_.rollback_next = true;
  relay_.messages.push_back({1, "bob", "alice", "PKG:alice:0:hi"});
  auto s = Make();
  EXPECT_TRUE(out_.WaitFor("!! ROLLBACK: a message from bob")) << out_.All();
  EXPECT_TRUE(out_.WaitFor("bob: hi")) << out_.All();
}

}  // namespace
}  // namespace otc::client
