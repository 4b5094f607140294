// The sender with an outbox: a package is queued before it is sent, an unreachable relay
// leaves it queued, and later sends and flushes send the same package (no new pad), oldest
// first; an outbox that cannot be written stops the send.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>

#include "chat/client/sender.h"
#include "common/fault_injection_env.h"
#include "tests/client/fakes.h"

namespace otc::client {
namespace {

using testing::FakeDevice;
using testing::FakeRelay;

class SenderOutboxTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/otc-sender-outbox-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    root_ = tmpl;
    UseEnv(Env::Default());
  }
  void TearDown() override { std::filesystem::remove_all(root_); }

  void UseEnv(Env* env) {
    outbox_ = std::make_unique<Outbox>(*env, OutboxPath(root_ + "/state", "alice"));
    BackoffPolicy p;
    p.initial = std::chrono::milliseconds(1);
    p.attempts = 3;
    sender_ = std::make_unique<Sender>(device_, relay_, "alice", p,
                                       [](std::chrono::milliseconds) { return true; });
    sender_->SetOutbox(outbox_.get(), std::chrono::seconds(1));
    sender_->SetFlushObserver([this](const FlushReport& r) { observed_.push_back(r); });
  }

  std::vector<std::string> Contents() const {
    std::vector<std::string> out;
    for (const RelayMessage& m : relay_.messages) out.push_back(m.contents);
    return out;
  }

  std::string root_;
  FakeDevice device_;
  FakeRelay relay_;
  std::unique_ptr<Outbox> outbox_;
  std::unique_ptr<Sender> sender_;
  std::vector<FlushReport> observed_;
};

TEST_F(SenderOutboxTest, RelayDownLeavesThePackageQueuedAndAFlushSendsThatSamePackage) {
  relay_.send_failures = 1000;
  SendOutcome o = sender_->SendOne("bob", "hello");
  EXPECT_TRUE(o.queued);
  EXPECT_TRUE(o.pad_spent);
  EXPECT_EQ(o.status.code(), Status::Code::kUnavailable);
  EXPECT_NE(o.outbox_id, 0u);
  EXPECT_EQ(relay_.send_calls, 3);  // the policy's attempts, then queued
  EXPECT_TRUE(relay_.messages.empty());

  relay_.send_failures = 0;
  FlushReport r = sender_->Flush(1);
  EXPECT_TRUE(r.relay.ok());
  EXPECT_TRUE(r.outbox.ok());
  ASSERT_EQ(r.left.size(), 1u);
  EXPECT_EQ(r.left[0].entry.id, o.outbox_id);
  EXPECT_EQ(r.left[0].entry.to, "bob");
  EXPECT_EQ(r.left[0].ref, 1u);
  EXPECT_EQ(r.still_queued, 0u);
  EXPECT_EQ(Contents(), std::vector<std::string>{"PKG:bob:0:hello"});
  EXPECT_EQ(device_.log, std::vector<std::string>{"package bob"});  // packaged once
  // Nothing left: a second flush sends nothing.
  EXPECT_TRUE(sender_->Flush(1).left.empty());
  EXPECT_EQ(relay_.messages.size(), 1u);
}

TEST_F(SenderOutboxTest, ThePackageIsOnDiskAndFsyncedBeforeTheFirstSendAttempt) {
  FaultInjectionEnv env;
  UseEnv(&env);
  int checked = 0;
  relay_.on_send = [&](const std::string& contents) {
    // A power loss now keeps only what was fsync'd (file data, and the new file's entry in
    // its directory): the entry must be there.
    env.SimulatePowerLoss();
    std::string bytes = *ReadFileToString(*Env::Default(), OutboxPath(root_ + "/state", "alice"));
    ParsedOutbox parsed = ParseOutbox(bytes);
    ASSERT_EQ(parsed.pending.size(), 1u);
    EXPECT_EQ(parsed.pending[0].package_b64, contents);
    EXPECT_EQ(parsed.pending[0].to, "bob");
    ++checked;
  };
  SendOutcome o = sender_->SendOne("bob", "durable first");
  ASSERT_TRUE(o.status.ok()) << o.status.ToString();
  EXPECT_EQ(checked, 1);
  // After the acknowledgement the entry is gone (compacted away).
  EXPECT_EQ(*ReadFileToString(*Env::Default(), OutboxPath(root_ + "/state", "alice")),
            std::string(kOutboxMagic));
}

TEST_F(SenderOutboxTest, TheNextSendSendsWhatIsQueuedFirstInTheOrderPackaged) {
  relay_.send_failures = 1000;
  EXPECT_TRUE(sender_->SendOne("bob", "one").queued);
  EXPECT_TRUE(sender_->SendOne("carol", "two").queued);
  EXPECT_TRUE(sender_->SendOne("bob", "three").queued);
  relay_.send_failures = 0;
  SendOutcome o = sender_->SendOne("bob", "four");
  ASSERT_TRUE(o.status.ok()) << o.status.ToString();
  EXPECT_FALSE(o.queued);
  EXPECT_EQ(Contents(), (std::vector<std::string>{"PKG:bob:0:one", "PKG:carol:100:two",
                                                  "PKG:bob:200:three", "PKG:bob:300:four"}));
  // The earlier entries are reported to the caller (the chat shows them as sent).
  ASSERT_EQ(observed_.size(), 1u);
  ASSERT_EQ(observed_[0].left.size(), 3u);
  EXPECT_EQ(observed_[0].left[2].entry.index, 200u);  // the fake's pad offsets
}

TEST_F(SenderOutboxTest, AQueuedPackageSurvivesTheProcessAndANewSenderSendsIt) {
  relay_.send_failures = 1000;
  EXPECT_TRUE(sender_->SendOne("bob", "kept").queued);
  relay_.send_failures = 0;
  UseEnv(Env::Default());  // a new process: new Outbox and Sender over the same file
  FlushReport r = sender_->Flush(1);
  ASSERT_EQ(r.left.size(), 1u);
  EXPECT_EQ(Contents(), std::vector<std::string>{"PKG:bob:0:kept"});
}

TEST_F(SenderOutboxTest, ARelayRefusalTakesTheEntryOutAndDoesNotBlockLaterOnes) {
  relay_.send_failures = 1000;
  EXPECT_TRUE(sender_->SendOne("bob", "huge").queued);
  relay_.send_failures = 0;
  relay_.refuse_contents_with = "PKG:bob:0:huge";
  SendOutcome o = sender_->SendOne("bob", "small");
  ASSERT_TRUE(o.status.ok()) << o.status.ToString();
  ASSERT_EQ(observed_.size(), 1u);
  ASSERT_EQ(observed_[0].left.size(), 1u);
  EXPECT_EQ(observed_[0].left[0].status.code(), Status::Code::kTooLarge);
  EXPECT_EQ(Contents(), std::vector<std::string>{"PKG:bob:100:small"});
  EXPECT_TRUE(sender_->Flush(1).left.empty());
}

TEST_F(SenderOutboxTest, AnUnparsableRelayAnswerKeepsTheEntryQueued) {
  // The relay may have stored it: only a resend (idempotent) can tell, so it stays.
  relay_.refuse_contents_with = "PKG:bob:0:unsure";
  relay_.refusal = Status::Internal("relay answered something unparsable");
  SendOutcome o = sender_->SendOne("bob", "unsure");
  EXPECT_TRUE(o.queued);
  EXPECT_EQ(o.status.code(), Status::Code::kInternal);
  relay_.refuse_contents_with.clear();
  FlushReport r = sender_->Flush(1);
  ASSERT_EQ(r.left.size(), 1u);
  EXPECT_TRUE(r.left[0].status.ok());
  EXPECT_EQ(Contents(), std::vector<std::string>{"PKG:bob:0:unsure"});
}

TEST_F(SenderOutboxTest, AnOutboxThatCannotBeWrittenSendsNothing) {
  FaultInjectionEnv env;
  UseEnv(&env);
  env.FailNthSync(1, 5, "outbox-alice");
  SendOutcome o = sender_->SendOne("bob", "not durable");
  EXPECT_FALSE(o.status.ok());
  EXPECT_FALSE(o.queued);
  EXPECT_TRUE(o.pad_spent);
  EXPECT_NE(o.status.message().find("could not be queued"), std::string::npos)
      << o.status.ToString();
  EXPECT_EQ(relay_.send_calls, 0);
  // Fail-stop: the next message is refused before the device spends pad on it.
  env.ClearFaults();
  SendOutcome next = sender_->SendOne("bob", "next");
  EXPECT_FALSE(next.status.ok());
  EXPECT_FALSE(next.pad_spent);
  EXPECT_EQ(device_.log, std::vector<std::string>{"package bob"});
  EXPECT_EQ(relay_.send_calls, 0);
}

}  // namespace
}  // namespace otc::client
