#include "chat/client/receiver.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "tests/client/fakes.h"

namespace otc::client {
namespace {

using testing::FakeDevice;
using testing::FakeRelay;

class ReceiverTest : public ::testing::Test {
 protected:
  ReceiverTest() {
    relay_.log = &device_.log;
    options_.user = "alice";
    options_.relay_key = "http://127.0.0.1:9050";
    options_.backoff.initial = std::chrono::milliseconds(10);
  }
  Receiver Make() {
    ReceiverSink sink;
    sink.on_delivery = [this](Delivery&& d) { deliveries_.push_back(std::move(d)); };
    sink.on_warning = [this](const Warning& w) { warnings_.push_back(w); };
    return Receiver(device_, relay_, options_, sink, [this](std::chrono::milliseconds d) {
      sleeps_.push_back(d);
      return true;
    });
  }
  void Queue(std::string from, std::string contents, std::string to = "alice") {
    relay_.messages.push_back(
        {relay_.next_ref++, std::move(from), std::move(to), std::move(contents)});
  }
  static std::vector<WarningKind> Kinds(const Delivery& d) {
    std::vector<WarningKind> k;
    for (const Warning& w : d.warnings) k.push_back(w.kind);
    return k;
  }

  FakeDevice device_;
  FakeRelay relay_;
  ReceiverOptions options_;
  std::vector<Delivery> deliveries_;
  std::vector<Warning> warnings_;
  std::vector<std::chrono::milliseconds> sleeps_;
  std::atomic<bool> stop_{false};
};

TEST_F(ReceiverTest, MessagesQueuedBeforeStartAreShownInOrder) {
  Queue("bob", "PKG:alice:0:first");
  Queue("carol", "PKG:alice:0:second");
  Queue("bob", "PKG:alice:100:third");
  Receiver r = Make();
  ASSERT_TRUE(r.Start(stop_));
  EXPECT_EQ(r.cursor(), 0u);  // no cursor on the device: start from the oldest
  EXPECT_EQ(r.PollOnce(stop_), 3);
  ASSERT_EQ(deliveries_.size(), 3u);
  EXPECT_EQ(*deliveries_[0].text, "first");
  EXPECT_EQ(deliveries_[0].from, "bob");
  EXPECT_EQ(*deliveries_[1].text, "second");
  EXPECT_EQ(deliveries_[1].from, "carol");
  EXPECT_EQ(*deliveries_[2].text, "third");
  EXPECT_EQ(*deliveries_[2].index, 100u);
  EXPECT_TRUE(deliveries_[0].warnings.empty());
  EXPECT_EQ(device_.cursors[options_.relay_key], 4u);
  EXPECT_EQ(relay_.acks, std::vector<uint64_t>{3});
}

TEST_F(ReceiverTest, AckComesOnlyAfterUnpackageAndCursor) {
  Queue("bob", "PKG:alice:0:a");
  Queue("bob", "PKG:alice:100:b");
  Receiver r = Make();
  ASSERT_TRUE(r.Start(stop_));
  ASSERT_EQ(r.PollOnce(stop_), 2);
  std::vector<std::string> expected = {"getcursor http://127.0.0.1:9050",
                                       "unpackage bob",
                                       "putcursor 2",
                                       "unpackage bob",
                                       "putcursor 3",
                                       "ack 2"};
  EXPECT_EQ(device_.log, expected);
}

TEST_F(ReceiverTest, StartsFromTheCursorOnTheDevice) {
  device_.cursors[options_.relay_key] = 2;
  Queue("bob", "PKG:alice:0:already seen");
  Queue("bob", "PKG:alice:100:new");
  Receiver r = Make();
  ASSERT_TRUE(r.Start(stop_));
  EXPECT_EQ(r.PollOnce(stop_), 1);
  ASSERT_EQ(deliveries_.size(), 1u);
  EXPECT_EQ(*deliveries_[0].text, "new");
}

TEST_F(ReceiverTest, RefusalsAreDeliveredAsWarningsWithoutText) {
  Queue("bob", "REPLAY");
  Queue("bob", "forged bytes");
  Queue("bob", "GARBLED");
  Queue("mallory", "PKG:alice:0:hi");
  Queue("bob", "DENY");
  Receiver r = Make();
  ASSERT_TRUE(r.Start(stop_));
  EXPECT_EQ(r.PollOnce(stop_), 5);
  ASSERT_EQ(deliveries_.size(), 5u);
  std::vector<WarningKind> expected = {WarningKind::kReplay, WarningKind::kIntegrity,
                                       WarningKind::kMalformed, WarningKind::kUnknownContact,
                                       WarningKind::kDenied};
  for (size_t i = 0; i < 5; ++i) {
    EXPECT_FALSE(deliveries_[i].text.has_value()) << i;
    EXPECT_FALSE(deliveries_[i].index.has_value()) << i;
    EXPECT_EQ(Kinds(deliveries_[i]), std::vector<WarningKind>{expected[i]}) << i;
  }
  // Refused messages are still consumed: the cursor moves past them and they are acked.
  EXPECT_EQ(device_.cursors[options_.relay_key], 6u);
  EXPECT_EQ(relay_.acks, std::vector<uint64_t>{5});
}

TEST_F(ReceiverTest, SkippedAndLateAreFlagged) {
  // bob's stream runs upward from index 0: 200 leaves [0, 200) unseen, then 100 fills it.
  Queue("bob", "PKG:alice:200:third");
  Queue("bob", "PKG:alice:100:second");
  Receiver r = Make();
  ASSERT_TRUE(r.Start(stop_));
  EXPECT_EQ(r.PollOnce(stop_), 2);
  EXPECT_EQ(Kinds(deliveries_[0]), std::vector<WarningKind>{WarningKind::kSkipped});
  EXPECT_EQ(*deliveries_[0].text, "third");
  EXPECT_EQ(Kinds(deliveries_[1]), std::vector<WarningKind>{WarningKind::kLate});
  EXPECT_EQ(*deliveries_[1].text, "second");
}

TEST_F(ReceiverTest, SkippedAndLateFollowTheSendersDirection) {
  // bob's stream runs downward here (a direction -1 sender): 900, [800 dropped
  // for now], 700 arrives skipped, 800 arrives late, 600 is normal again.
  device_.peer_halves["bob"] = {900, Direction::kDown, {}};
  device_.peer_halves["carol"] = {800, Direction::kUp, {}};
  Queue("bob", "PKG:alice:900:one");
  Queue("bob", "PKG:alice:700:three");
  Queue("bob", "PKG:alice:800:two");
  Queue("bob", "PKG:alice:600:four");
  Queue("carol", "PKG:alice:800:other sender");  // same index, other pad: not late
  Receiver r = Make();
  ASSERT_TRUE(r.Start(stop_));
  EXPECT_EQ(r.PollOnce(stop_), 5);
  ASSERT_EQ(deliveries_.size(), 5u);
  EXPECT_TRUE(deliveries_[0].warnings.empty());
  EXPECT_EQ(Kinds(deliveries_[1]), std::vector<WarningKind>{WarningKind::kSkipped});
  EXPECT_EQ(Kinds(deliveries_[2]), std::vector<WarningKind>{WarningKind::kLate});
  EXPECT_EQ(*deliveries_[2].text, "two");
  EXPECT_TRUE(deliveries_[3].warnings.empty());
  EXPECT_TRUE(deliveries_[4].warnings.empty());
}

TEST_F(ReceiverTest, StopAfterFetchLeavesTheBatchOnTheRelay) {
  Queue("bob", "PKG:alice:0:later");
  Receiver r = Make();
  ASSERT_TRUE(r.Start(stop_));
  relay_.on_get = [this] { stop_ = true; };  // the user quits during the long-poll
  EXPECT_EQ(r.PollOnce(stop_), -1);
  EXPECT_TRUE(deliveries_.empty());
  EXPECT_EQ(relay_.messages.size(), 1u);
  EXPECT_EQ(device_.cursors[options_.relay_key], 0u);
}

TEST_F(ReceiverTest, DeviceOutageIsRetriedNothingIsSkippedAndAckWaits) {
  Queue("bob", "PKG:alice:0:patience");
  device_.unpackage_failures = 3;
  Receiver r = Make();
  ASSERT_TRUE(r.Start(stop_));
  EXPECT_EQ(r.PollOnce(stop_), 1);
  ASSERT_EQ(deliveries_.size(), 1u);
  EXPECT_EQ(*deliveries_[0].text, "patience");
  EXPECT_EQ(sleeps_.size(), 3u);
  EXPECT_LT(sleeps_[0], sleeps_[2]);  // backing off
  ASSERT_EQ(warnings_.size(), 2u);    // one warning for the outage, one when it is back
  EXPECT_EQ(warnings_[0].kind, WarningKind::kDeviceUnreachable);
  EXPECT_EQ(warnings_[1].kind, WarningKind::kRecovered);
  EXPECT_EQ(std::count(device_.log.begin(), device_.log.end(), "unpackage bob"), 4);
}

TEST_F(ReceiverTest, StopDuringDeviceOutageDoesNotAdvanceOrAck) {
  Queue("bob", "PKG:alice:0:x");
  device_.unpackage_failures = 1000;
  stop_ = false;
  ReceiverSink sink;
  sink.on_delivery = [this](Delivery&& d) { deliveries_.push_back(std::move(d)); };
  int sleeps = 0;
  Receiver r(device_, relay_, options_, sink, [&](std::chrono::milliseconds) {
    if (++sleeps == 5) stop_ = true;
    return true;
  });
  ASSERT_TRUE(r.Start(stop_));
  EXPECT_EQ(r.PollOnce(stop_), -1);
  EXPECT_TRUE(deliveries_.empty());
  EXPECT_TRUE(relay_.acks.empty());
  EXPECT_EQ(device_.cursors[options_.relay_key], 0u);
}

TEST_F(ReceiverTest, RelayOutageIsRetried) {
  Queue("bob", "PKG:alice:0:hello");
  relay_.get_failures = 2;
  Receiver r = Make();
  ASSERT_TRUE(r.Start(stop_));
  EXPECT_EQ(r.PollOnce(stop_), 1);
  EXPECT_EQ(relay_.get_calls, 3);
  ASSERT_EQ(warnings_.size(), 2u);
  EXPECT_EQ(warnings_[0].kind, WarningKind::kRelayUnreachable);
  EXPECT_EQ(warnings_[1].kind, WarningKind::kRecovered);
}

TEST_F(ReceiverTest, CursorLoadIsRetried) {
  device_.cursor_failures = 2;
  device_.cursors[options_.relay_key] = 7;
  Receiver r = Make();
  ASSERT_TRUE(r.Start(stop_));
  EXPECT_EQ(r.cursor(), 7u);
  EXPECT_EQ(sleeps_.size(), 2u);
}

TEST_F(ReceiverTest, HostileRelayCannotRewindOrMisaddressOrInjectBadNames) {
  device_.cursors[options_.relay_key] = 5;
  relay_.next_ref = 5;
  Queue("bob", "PKG:alice:0:ok");                                              // ref 5
  relay_.extra_next_get.push_back({2, "bob", "alice", "PKG:alice:0:old"});     // before cursor
  relay_.extra_next_get.push_back({9, "bob", "dave", "PKG:dave:0:not mine"});  // not for us
  relay_.extra_next_get.push_back({10, "Bad\x1bName", "alice", "PKG:alice:0:x"});
  relay_.extra_next_get.push_back({10, "bob", "alice", "PKG:alice:0:dup ref"});  // ref repeated
  Receiver r = Make();
  ASSERT_TRUE(r.Start(stop_));
  EXPECT_EQ(r.PollOnce(stop_), 2);
  ASSERT_EQ(deliveries_.size(), 2u);
  EXPECT_EQ(*deliveries_[0].text, "ok");
  EXPECT_EQ(Kinds(deliveries_[1]), std::vector<WarningKind>{WarningKind::kMalformed});
  EXPECT_FALSE(deliveries_[1].text.has_value());
  EXPECT_EQ(r.cursor(), 11u);
}

TEST_F(ReceiverTest, EmptyPollAcksNothing) {
  Receiver r = Make();
  ASSERT_TRUE(r.Start(stop_));
  EXPECT_EQ(r.PollOnce(stop_), 0);
  EXPECT_TRUE(relay_.acks.empty());
}

TEST_F(ReceiverTest, SentTimeAndRollbackComeFromTheDevice) {
  device_.sent_ms = 1796569200123;
  device_.rollback_next = true;
  Queue("bob", "PKG:alice:0:first");
  Queue("bob", "PKG:alice:100:second");
  Receiver r = Make();
  ASSERT_TRUE(r.Start(stop_));
  EXPECT_EQ(r.PollOnce(stop_), 2);
  ASSERT_EQ(deliveries_.size(), 2u);
  EXPECT_EQ(deliveries_[0].sent_ms, std::optional<int64_t>(1796569200123));
  EXPECT_EQ(Kinds(deliveries_[0]), std::vector<WarningKind>{WarningKind::kRollback});
  EXPECT_EQ(deliveries_[0].warnings[0].peer, "bob");
  EXPECT_EQ(*deliveries_[0].text, "first");  // the message itself is shown as well
  EXPECT_TRUE(deliveries_[1].warnings.empty());
}

TEST_F(ReceiverTest, ControlPackagesAreNeverShownAndReplyPackagesGoToTheSender) {
  // bob's message asks for pad: the device answers with a control package for bob.
  device_.reply_package_next = "UkVQTFk=";
  Queue("bob", "PKG:alice:0:hello");
  Receiver r = Make();
  ASSERT_TRUE(r.Start(stop_));
  EXPECT_EQ(r.PollOnce(stop_), 1);
  ASSERT_EQ(deliveries_.size(), 1u);
  EXPECT_EQ(*deliveries_[0].text, "hello");
  EXPECT_FALSE(deliveries_[0].control);
  const auto sent = std::find_if(relay_.messages.begin(), relay_.messages.end(),
                                 [](const RelayMessage& m) { return m.recipient == "bob"; });
  ASSERT_NE(sent, relay_.messages.end());
  EXPECT_EQ(sent->sender, "alice");
  EXPECT_EQ(sent->contents, "UkVQTFk=");
  // A control package from bob: unpackaged (the cursor moves past it), no text.
  device_.control_next = true;
  Queue("bob", "PKG:alice:100:");
  EXPECT_EQ(r.PollOnce(stop_), 1);
  ASSERT_EQ(deliveries_.size(), 2u);
  EXPECT_TRUE(deliveries_[1].control);
  EXPECT_FALSE(deliveries_[1].text.has_value());
  EXPECT_EQ(std::count_if(relay_.messages.begin(), relay_.messages.end(),
                          [](const RelayMessage& m) { return m.recipient == "bob"; }),
            1);  // nothing sent back without a reply package
}

}  // namespace
}  // namespace otc::client
