#include "chat/client/sender.h"

#include <gtest/gtest.h>

#include "tests/client/fakes.h"

namespace otc::client {
namespace {

using testing::FakeDevice;
using testing::FakeRelay;

class SenderTest : public ::testing::Test {
 protected:
  SenderTest()
      : sender_(device_, relay_, "alice", Policy(), [this](std::chrono::milliseconds d) {
          sleeps_.push_back(d);
          return true;
        }) {
    sender_.SetRetryObserver([this](const Warning& w) { retries_.push_back(w); });
  }
  static BackoffPolicy Policy() {
    BackoffPolicy p;
    p.initial = std::chrono::milliseconds(10);
    p.attempts = 4;
    return p;
  }
  FakeDevice device_;
  FakeRelay relay_;
  std::vector<std::chrono::milliseconds> sleeps_;
  std::vector<Warning> retries_;
  Sender sender_;
};

TEST_F(SenderTest, PackagesThenStores) {
  SendOutcome o = sender_.SendOne("bob", "hi bob");
  ASSERT_TRUE(o.status.ok()) << o.status.ToString();
  EXPECT_TRUE(o.pad_spent);
  EXPECT_EQ(o.ref, 1u);
  ASSERT_EQ(relay_.messages.size(), 1u);
  EXPECT_EQ(relay_.messages[0].sender, "alice");
  EXPECT_EQ(relay_.messages[0].recipient, "bob");
  EXPECT_EQ(relay_.messages[0].contents, "PKG:bob:0:hi bob");
}

TEST_F(SenderTest, EmptyMessageIsRefusedBeforeTheDeviceSpendsPad) {
  for (const char* text : {"", "   ", "\t \n"}) {
    SendOutcome o = sender_.SendOne("bob", text);
    EXPECT_EQ(o.status.code(), Status::Code::kInvalidArgument) << text;
    EXPECT_EQ(o.status.message(), "empty message: nothing sent, no pad used");
    EXPECT_FALSE(o.pad_spent);
  }
  EXPECT_TRUE(device_.log.empty());
  EXPECT_TRUE(relay_.messages.empty());
}

TEST_F(SenderTest, MultiSendIsOnePackagePerRecipientEachWithItsOwnPadAndSkipsSelf) {
  auto out = sender_.SendMany({"bob", "alice", "carol"}, "all");
  ASSERT_EQ(out.size(), 2u);
  EXPECT_TRUE(out[0].status.ok());
  EXPECT_TRUE(out[1].status.ok());
  ASSERT_EQ(relay_.messages.size(), 2u);
  EXPECT_EQ(relay_.messages[0].contents, "PKG:bob:0:all");
  EXPECT_EQ(relay_.messages[1].contents, "PKG:carol:100:all");
  EXPECT_EQ(device_.log, (std::vector<std::string>{"package bob", "package carol"}));
}

TEST_F(SenderTest, RelayOutageRetriesTheSamePackageWithoutSpendingMorePad) {
  relay_.send_failures = 2;
  SendOutcome o = sender_.SendOne("bob", "again");
  ASSERT_TRUE(o.status.ok());
  EXPECT_EQ(device_.log, std::vector<std::string>{"package bob"});  // packaged once
  EXPECT_EQ(relay_.send_calls, 3);
  EXPECT_EQ(sleeps_.size(), 2u);
  ASSERT_EQ(retries_.size(), 1u);
  EXPECT_EQ(retries_[0].kind, WarningKind::kRelayUnreachable);
}

TEST_F(SenderTest, RelayDownForGoodIsReportedNotDropped) {
  relay_.send_failures = 100;
  SendOutcome o = sender_.SendOne("bob", "lost?");
  EXPECT_FALSE(o.status.ok());
  EXPECT_EQ(o.status.code(), Status::Code::kUnavailable);
  EXPECT_NE(o.status.message().find("relay"), std::string::npos);
  EXPECT_TRUE(o.pad_spent);
  EXPECT_EQ(relay_.send_calls, 4);
}

TEST_F(SenderTest, DeviceOutageRetriedThenReported) {
  device_.package_failures = 2;
  EXPECT_TRUE(sender_.SendOne("bob", "x").status.ok());
  ASSERT_EQ(retries_.size(), 1u);
  EXPECT_EQ(retries_[0].kind, WarningKind::kDeviceUnreachable);
  device_.package_failures = 100;
  SendOutcome o = sender_.SendOne("bob", "y");
  EXPECT_EQ(o.status.code(), Status::Code::kUnavailable);
  EXPECT_FALSE(o.pad_spent);
}

TEST_F(SenderTest, FinalRefusalsAreNotRetried) {
  SendOutcome o = sender_.SendOne("nobody", "x");
  EXPECT_EQ(o.status.code(), Status::Code::kNotFound);
  EXPECT_TRUE(sleeps_.empty());
  device_.pad_left = 0;
  SendOutcome e = sender_.SendOne("bob", "x");
  EXPECT_EQ(e.status.code(), Status::Code::kExhausted);
  ASSERT_EQ(e.warnings.size(), 1u);
  EXPECT_EQ(e.warnings[0].kind, WarningKind::kPadExhausted);
  EXPECT_TRUE(relay_.messages.empty());
}

TEST_F(SenderTest, PadLowWarnsOnceBelowTenAndOnceBelowOnePercent) {
  device_.pad_total = 100000;
  device_.pad_left = 10100;  // after one package: 10000 = exactly 10%, no warning
  EXPECT_TRUE(sender_.SendOne("bob", "a").warnings.empty());
  SendOutcome ten = sender_.SendOne("bob", "b");  // 9900 < 10%
  ASSERT_EQ(ten.warnings.size(), 1u);
  EXPECT_EQ(ten.warnings[0].kind, WarningKind::kPadLow);
  EXPECT_NE(ten.warnings[0].detail.find("under 10%"), std::string::npos);
  EXPECT_TRUE(sender_.SendOne("bob", "c").warnings.empty());
  device_.pad_left = 1100;  // after one package: 1000 = exactly 1%, no second warning
  EXPECT_TRUE(sender_.SendOne("bob", "d").warnings.empty());
  SendOutcome one = sender_.SendOne("bob", "e");  // 900 < 1%
  ASSERT_EQ(one.warnings.size(), 1u);
  EXPECT_NE(one.warnings[0].detail.find("under 1%"), std::string::npos);
  EXPECT_TRUE(sender_.SendOne("bob", "f").warnings.empty());
}

}  // namespace
}  // namespace otc::client
