// Moving the split on the device (device_split.cc, split_policy.h): a side running low asks
// in its packages, the peer grants from the far end of its own half and answers with a
// control package, the asker takes the grant in and packages past its original half; the
// granted pad is the giver's, byte for byte; no pad index is ever used by both sides; a
// lost announcement is made again when the peer asks again.
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "chat/device/device_service.h"
#include "chat/device/split_policy.h"
#include "chat/protocol/protocol.h"
#include "common/encoding.h"
#include "padstore/interval_set.h"
#include "tests/device/device_test_util.h"

namespace otc::device {
namespace {

using testing::kStorePlace;
using testing::PadBytes;
using testing::Pair;
using testing::StoreDir;

constexpr uint64_t kSeed = 77;
constexpr uint64_t kPadSize = 64 << 10;  // 32K each way
constexpr uint64_t kHalf = kPadSize / 2;

std::string Text(const SecretBuffer& b) {
  return std::string(reinterpret_cast<const char*>(b.data()), b.size());
}
std::string Message(int i) { return "message " + std::to_string(i) + std::string(88, 'x'); }

class SplitTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(testing::MakeStores(dir_, {Pair{"alice", "bob", Format::kOtc2, kPadSize, kSeed}}));
    alice_ = Open("alice");
    bob_ = Open("bob");
    ASSERT_TRUE(alice_ && bob_);
  }

  std::unique_ptr<DeviceService> Open(const std::string& user) {
    DeviceOptions options;
    options.confirm = *ConfirmPolicy::Parse("auto");
    options.split_reannounce = std::chrono::milliseconds(0);
    auto s = DeviceService::Open(StoreDir(dir_, user), std::move(options));
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    return s.ok() ? std::move(*s) : nullptr;
  }

  // Records the pad indices a package used; fails the test if any was used before.
  void Use(const std::vector<uint8_t>& package, const std::string& who) {
    auto header = protocol::ParsePackageHeader(Format::kOtc2, package);
    ASSERT_TRUE(header.ok());
    const uint64_t first = PadIndexOfIndex(header->index);
    const padstore::IndexRange r =
        who == "alice" ? padstore::IndexRange{first, first + header->pad_length}
                       : padstore::IndexRange{first + 1 - header->pad_length, first + 1};
    EXPECT_FALSE(used_.Overlaps(r)) << who << " reused pad " << padstore::ToString(r);
    used_.Insert(r);
  }

  // alice sends `text`; bob reads it; any control package bob's device makes goes back to
  // alice. Returns alice's package result.
  Result<PackageResult> AliceSends(const std::string& text, bool deliver_control = true) {
    auto p = alice_->Package("bob", AsBytes(text));
    if (!p.ok()) return p.status();
    Use(p->package, "alice");
    auto u = bob_->Unpackage("alice", p->package);
    EXPECT_TRUE(u.ok()) << u.status().ToString();
    if (!u.ok()) return u.status();
    EXPECT_EQ(Text(u->plaintext), text);
    EXPECT_FALSE(u->control);
    EXPECT_FALSE(u->skipped || u->late || u->rollback);
    if (!u->reply_package.empty()) {
      ++controls_;
      Use(u->reply_package, "bob");
      if (deliver_control) {
        auto c = alice_->Unpackage("bob", u->reply_package);
        EXPECT_TRUE(c.ok()) << c.status().ToString();
        if (c.ok()) {
          EXPECT_TRUE(c->control);
          EXPECT_EQ(c->plaintext.size(), 0u);
          EXPECT_TRUE(c->reply_package.empty());
        }
      }
    }
    return p;
  }

  padstore::ContactState State(DeviceService&, const std::string& user) {
    padstore::StoreOptions ro;
    ro.read_only = true;
    auto store = padstore::Store::Open(StoreDir(dir_, user), ro);
    EXPECT_TRUE(store.ok());
    auto info = (*store)->Info(user == "alice" ? "bob" : "alice");
    EXPECT_TRUE(info.ok());
    return *info;
  }

  TestDir dir_{kStorePlace};
  std::unique_ptr<DeviceService> alice_, bob_;
  padstore::IntervalSet used_;
  int controls_ = 0;
};

TEST_F(SplitTest, AliceSendsPastHerHalfWithPadBobGrantedAndNoIndexIsUsedTwice) {
  uint64_t alice_used = 0;
  int i = 0;
  bool crossed = false;
  for (; i < 400 && alice_used < kHalf + kHalf / 2; ++i) {
    auto p = AliceSends(Message(i));
    ASSERT_TRUE(p.ok()) << "message " << i << ": " << p.status().ToString();
    auto header = protocol::ParsePackageHeader(Format::kOtc2, p->package);
    alice_used = PadIndexOfIndex(header->index) + header->pad_length;
    crossed |= PadIndexOfIndex(header->index) >= kHalf;
    if (i % 25 == 24) {  // bob sends now and then; alice reads it
      auto b = bob_->Package("alice", AsBytes("bob " + std::to_string(i)));
      ASSERT_TRUE(b.ok()) << b.status().ToString();
      Use(b->package, "bob");
      auto u = alice_->Unpackage("bob", b->package);
      ASSERT_TRUE(u.ok()) << u.status().ToString();
      EXPECT_EQ(Text(u->plaintext), "bob " + std::to_string(i));
    }
  }
  EXPECT_TRUE(crossed) << "alice never packaged past her half";
  EXPECT_GE(alice_used, kHalf + kHalf / 2);
  EXPECT_GE(controls_, 1);
  alice_->Close().ok();
  bob_->Close().ok();
  const padstore::ContactState a = State(*alice_, "alice");
  const padstore::ContactState b = State(*bob_, "bob");
  EXPECT_EQ(a.split_received, b.split_given);
  EXPECT_EQ(a.split_given, b.split_received);
  EXPECT_EQ(a.own_capacity + b.own_capacity, kPadSize);
  EXPECT_GE(a.own_used, kHalf + kHalf / 2);
  // bob kept at least a quarter of his half for himself (split_policy.h): his own left was
  // at least that at each grant, so his capacity is at least that plus what he had used.
  EXPECT_GT(b.own_capacity, kHalf / 4);
}

TEST_F(SplitTest, GrantedPadIsTheGiversBytesAndBobCannotUseItAnyMore) {
  // Run alice low enough to ask, then past her half.
  int i = 0;
  uint64_t first_past = 0;
  for (; i < 400 && first_past == 0; ++i) {
    auto p = AliceSends(Message(i));
    ASSERT_TRUE(p.ok()) << p.status().ToString();
    auto header = protocol::ParsePackageHeader(Format::kOtc2, p->package);
    if (PadIndexOfIndex(header->index) + header->pad_length > kHalf) {
      first_past = PadIndexOfIndex(header->index);
      // Decrypt it with the pad bytes themselves: the indices past the split are the
      // ones the test pad holds there (bob's original half), so bob's device and alice's
      // agree on what was granted.
      const auto pad = PadBytes(kSeed, 0, kPadSize);
      protocol::MemoryPadStream stream(pad, header->index, protocol::Direction::kUp, 0);
      protocol::Envelope envelope;
      auto plain = protocol::Unpackage(Format::kOtc2, p->package, protocol::Direction::kUp, stream,
                                       {}, &envelope);
      ASSERT_TRUE(plain.ok()) << plain.status().ToString();
      EXPECT_EQ(Text(*plain), Message(i));
    }
  }
  ASSERT_NE(first_past, 0u);
  // bob packages until his pad runs out: never into what he gave (Use() checks).
  for (int k = 0; k < 1000; ++k) {
    auto b = bob_->Package("alice", AsBytes(Message(k)));
    if (!b.ok()) {
      EXPECT_EQ(b.status().code(), Status::Code::kExhausted) << b.status().ToString();
      break;
    }
    Use(b->package, "bob");
  }
}

TEST_F(SplitTest, ALostGrantIsAnnouncedAgainWhenAliceAsksAgain) {
  int i = 0;
  // Until bob grants; the control package is lost (never given to alice).
  for (; i < 400 && controls_ == 0; ++i) ASSERT_TRUE(AliceSends(Message(i), false).ok());
  ASSERT_EQ(controls_, 1);
  // alice still asks (she has not heard): bob's device announces the same total again.
  ASSERT_TRUE(AliceSends(Message(i++)).ok());
  EXPECT_EQ(controls_, 2);
  // Now alice has heard it: no more announcements for the same total.
  const int before = controls_;
  ASSERT_TRUE(AliceSends(Message(i++)).ok());
  const padstore::ContactState a = State(*alice_, "alice");
  EXPECT_GT(a.split_received, 0u);
  if (SplitPolicy::RequestTotal(a) == 0) {
    EXPECT_EQ(controls_, before);
  }
}

TEST_F(SplitTest, AnImpossibleGrantIsAuditedAndIgnoredAndTheMessageStillArrives) {
  // An authentic package from bob (made here with the pad itself) claiming to have given
  // alice more than the whole pad: only a broken peer says so. alice's device reads the
  // message, changes nothing in its ledger, and audits the refusal.
  const uint64_t index = kPadSize - 1;  // bob's first stream byte (direction -1)
  const auto pad = PadBytes(kSeed, kHalf, kPadSize);
  protocol::MemoryPadStream stream(pad, index, protocol::Direction::kDown, kHalf);
  protocol::Options options;
  options.envelope = protocol::Envelope{1, 0};
  options.envelope->given = 2 * kPadSize;
  auto package = protocol::Package(Format::kOtc2, AsBytes("still here"), index,
                                   protocol::Direction::kDown, stream, options);
  ASSERT_TRUE(package.ok()) << package.status().ToString();
  auto u = alice_->Unpackage("bob", *package);
  ASSERT_TRUE(u.ok()) << u.status().ToString();
  EXPECT_EQ(Text(u->plaintext), "still here");
  EXPECT_FALSE(u->control);
  alice_->Close().ok();
  const padstore::ContactState a = State(*alice_, "alice");
  EXPECT_EQ(a.split_received, 0u);
  EXPECT_EQ(a.own_capacity, kHalf);
  const std::string audit = testing::ReadText(StoreDir(dir_, "alice") + "/device-audit.log");
  EXPECT_NE(audit.find("SPLIT_REFUSED peer=bob generation=0 given=" + std::to_string(2 * kPadSize)),
            std::string::npos)
      << audit;
}

TEST(SplitPolicyTest, AskBelowAQuarterGiveAboveTheReserveNeverWhileAsking) {
  padstore::ContactState s;
  s.own_half = 32768;
  s.own_left = 8192;  // exactly a quarter: not yet
  EXPECT_EQ(SplitPolicy::RequestTotal(s), 0u);
  s.own_left = 8191;
  s.split_received = 1000;
  EXPECT_EQ(SplitPolicy::RequestTotal(s), 1000u + 16384);

  padstore::ContactState giver;
  giver.own_half = 32768;
  giver.own_left = 30000;
  giver.own_spare = 30000;
  // Reserve: a quarter of the half (8192) > keep (100).
  EXPECT_EQ(SplitPolicy::GrantAmount(giver, 16384, 100), 16384u);
  EXPECT_EQ(SplitPolicy::GrantAmount(giver, 100000, 100), 30000u - 8192);
  giver.split_given = 16384;
  EXPECT_EQ(SplitPolicy::GrantAmount(giver, 16384, 100), 0u);        // nothing new asked
  EXPECT_EQ(SplitPolicy::GrantAmount(giver, 16384 + 200, 100), 0u);  // under kMinGrant
  giver.own_spare = 8192 + 300;
  EXPECT_EQ(SplitPolicy::GrantAmount(giver, 100000, 100), 300u);
  giver.own_spare = 30000;
  giver.own_left = 8000;  // the giver is asking itself: it gives nothing
  EXPECT_EQ(SplitPolicy::GrantAmount(giver, 100000, 100), 0u);
}

}  // namespace
}  // namespace otc::device
