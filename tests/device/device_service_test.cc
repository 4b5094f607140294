// DeviceService against real stores (in process): both protocols, every refusal path,
// confirmation, audit log.
#include "chat/device/device_service.h"

#include <gtest/gtest.h>

#include <atomic>

#include "common/coding.h"
#include "common/encoding.h"
#include "common/fault_injection_env.h"
#include "tests/device/device_test_util.h"

namespace otc::device {
namespace {

using testing::kStorePlace;
using testing::Pair;
using testing::ReadText;
using testing::StoreDir;
using Code = Status::Code;

std::span<const uint8_t> Bytes(std::string_view s) { return AsBytes(s); }
std::string Text(const SecretBuffer& b) {
  return std::string(reinterpret_cast<const char*>(b.data()), b.size());
}

class CountingPrompter : public Prompter {
 public:
  PromptAnswer Ask(std::string_view question) override {
    ++asked;
    last = std::string(question);
    return answer.load();
  }
  std::atomic<PromptAnswer> answer{PromptAnswer::kYes};
  std::atomic<int> asked{0};
  std::string last;
};

class DeviceServiceTest : public ::testing::TestWithParam<Format> {
 protected:
  static constexpr uint64_t kPadSize = 1 << 20;
  static constexpr uint64_t kHalf = kPadSize / 2;

  void SetUp() override {
    ASSERT_TRUE(testing::MakeStores(dir_, {Pair{"alice", "bob", GetParam(), kPadSize, 11},
                                           Pair{"alice", "carol", GetParam(), 4096, 12}}));
  }

  std::unique_ptr<DeviceService> Open(const std::string& user, const std::string& confirm = "auto",
                                      Prompter* prompter = nullptr) {
    DeviceOptions options;
    options.confirm = *ConfirmPolicy::Parse(confirm);
    options.prompter = prompter;
    auto s = DeviceService::Open(StoreDir(dir_, user), std::move(options));
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    return s.ok() ? std::move(*s) : nullptr;
  }

  bool otc1() const { return GetParam() == Format::kOtc1; }
  // Pad cost by the formulas of the protocol spec: otc1 2m+48, otc2 with the device's
  // 21-byte envelope m+21+32; package size otc1 m+38, otc2 m+21+30.
  uint64_t Cost(uint64_t m) const { return otc1() ? 2 * m + 48 : m + 53; }
  uint64_t Overhead() const { return otc1() ? 38 : 51; }

  std::string AuditText(const std::string& user) {
    return ReadText(StoreDir(dir_, user) + "/device-audit.log");
  }

  TestDir dir_{kStorePlace};
};

INSTANTIATE_TEST_SUITE_P(Protocols, DeviceServiceTest,
                         ::testing::Values(Format::kOtc1, Format::kOtc2),
                         [](const auto& info) { return std::string(FormatName(info.param)); });

TEST_P(DeviceServiceTest, AlicePackagesBobUnpackagesBothWays) {
  auto alice = Open("alice");
  auto bob = Open("bob");
  ASSERT_TRUE(alice && bob);
  const std::string m1 = "hello bob", m2 = "second \xe2\x86\x92 message";
  auto p1 = alice->Package("bob", Bytes(m1));
  ASSERT_TRUE(p1.ok()) << p1.status().ToString();
  EXPECT_EQ(p1->index, 0u);  // direction +1 starts at index 0
  EXPECT_EQ(p1->package.size(), m1.size() + Overhead());
  EXPECT_EQ(p1->pad_left, kHalf - Cost(m1.size()));
  EXPECT_FALSE(p1->pad_low);
  auto p2 = alice->Package("bob", Bytes(m2));
  ASSERT_TRUE(p2.ok());
  EXPECT_EQ(p2->index, Cost(m1.size()));
  EXPECT_EQ(p2->pad_left, kHalf - Cost(m1.size()) - Cost(m2.size()));

  auto u1 = bob->Unpackage("alice", p1->package);
  ASSERT_TRUE(u1.ok()) << u1.status().ToString();
  EXPECT_EQ(Text(u1->plaintext), m1);
  EXPECT_EQ(u1->index, 0u);
  EXPECT_EQ(u1->skipped, 0u);
  auto u2 = bob->Unpackage("alice", p2->package);
  ASSERT_TRUE(u2.ok());
  EXPECT_EQ(Text(u2->plaintext), m2);

  // Bob answers from the top of the pad (direction -1).
  std::string binary("\x00\xff\x01\x80", 4);
  auto back = bob->Package("alice", Bytes(binary));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->index, kPadSize - 1);
  auto got = alice->Unpackage("bob", back->package);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(Text(got->plaintext), binary);

  auto empty = alice->Package("bob", {});
  ASSERT_TRUE(empty.ok());
  auto empty_back = bob->Unpackage("alice", empty->package);
  ASSERT_TRUE(empty_back.ok());
  EXPECT_EQ(empty_back->plaintext.size(), 0u);
}

TEST_P(DeviceServiceTest, ReplayIsRefusedAndAudited) {
  auto alice = Open("alice");
  auto bob = Open("bob");
  auto p = alice->Package("bob", Bytes("once only"));
  ASSERT_TRUE(p.ok());
  auto first = bob->Unpackage("alice", p->package);
  ASSERT_TRUE(first.ok());
  EXPECT_FALSE(first->already_read);
  // The identical package again (another client of bob's): already read, no text.
  auto same = bob->Unpackage("alice", p->package);
  ASSERT_TRUE(same.ok()) << same.status().ToString();
  EXPECT_TRUE(same->already_read);
  EXPECT_EQ(same->plaintext.size(), 0u);
  EXPECT_EQ(same->index, first->index);
  EXPECT_EQ(AuditText("bob").find("category=replay"), std::string::npos);
  // A different package claiming the same pad: a replay.
  std::vector<uint8_t> other = p->package;
  other.back() ^= 1;
  auto again = bob->Unpackage("alice", other);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.status().code(), Code::kReplay);
  EXPECT_EQ(again.status().message().find("once only"), std::string::npos);
  EXPECT_NE(AuditText("bob").find("category=replay"), std::string::npos);
}

TEST_P(DeviceServiceTest, FlippedByteIsAnIntegrityErrorThatConsumesNothing) {
  auto alice = Open("alice");
  auto bob = Open("bob");
  auto p = alice->Package("bob", Bytes("attack at dawn"));
  ASSERT_TRUE(p.ok());
  std::vector<uint8_t> forged = p->package;
  forged[forged.size() - 20] ^= 0x01;  // inside the ciphertext/tag, not the index
  auto bad = bob->Unpackage("alice", forged);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), Code::kIntegrity);
  EXPECT_NE(AuditText("bob").find("category=integrity"), std::string::npos);
  // The genuine package still decrypts: the forgery consumed nothing.
  auto good = bob->Unpackage("alice", p->package);
  ASSERT_TRUE(good.ok()) << good.status().ToString();
  EXPECT_EQ(Text(good->plaintext), "attack at dawn");
}

TEST_P(DeviceServiceTest, OwnPackageSentBackAsFromThePeerIsRefusedBeforeAnyPadIsRead) {
  auto alice = Open("alice");
  auto p = alice->Package("bob", Bytes("mine"));
  ASSERT_TRUE(p.ok());
  // A compromised client asks alice's device to "decrypt" alice's own package as if bob
  // sent it: that would XOR alice's sending pad into the answer.
  auto r = alice->Unpackage("bob", p->package);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kInvalidArgument);
  EXPECT_NE(r.status().message().find("half"), std::string::npos);
  EXPECT_NE(ReadText(StoreDir(dir_, "alice") + "/contacts/bob/audit.log").find("RANGE"),
            std::string::npos);
  EXPECT_NE(AuditText("alice").find("op=unpackage peer=bob category=bad_request"),
            std::string::npos);
}

TEST_P(DeviceServiceTest, APackageCannotComeFromTheOwner) {
  auto alice = Open("alice");
  auto bob = Open("bob");
  auto p = bob->Package("alice", Bytes("hi"));
  ASSERT_TRUE(p.ok());
  auto r = alice->Unpackage("alice", p->package);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kInvalidArgument);
  auto self = alice->Package("alice", Bytes("hi"));
  ASSERT_FALSE(self.ok());
  EXPECT_EQ(self.status().code(), Code::kInvalidArgument);
  // Nothing was consumed: bob's package still decrypts.
  EXPECT_TRUE(alice->Unpackage("bob", p->package).ok());
}

TEST_P(DeviceServiceTest, UnknownContactAndBadUids) {
  auto alice = Open("alice");
  auto p = alice->Package("dave", Bytes("hi"));
  EXPECT_EQ(p.status().code(), Code::kNotFound);
  EXPECT_EQ(p.status().message(), "unknown contact dave");  // no store path for a client
  auto u = alice->Unpackage("dave", std::vector<uint8_t>(64, 0));
  EXPECT_EQ(u.status().code(), Code::kNotFound);
  EXPECT_EQ(alice->Package("../bob", Bytes("hi")).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(alice->Unpackage("BOB", std::vector<uint8_t>(64, 0)).status().code(),
            Code::kInvalidArgument);
  EXPECT_NE(AuditText("alice").find("category=unknown_contact"), std::string::npos);
}

TEST_P(DeviceServiceTest, ExhaustedPadConsumesNothing) {
  auto alice = Open("alice");
  // carol's pad is 4096 bytes: a 2048-byte half.
  auto big = alice->Package("carol", std::vector<uint8_t>(2100, 'x'));
  ASSERT_FALSE(big.ok());
  EXPECT_EQ(big.status().code(), Code::kExhausted);
  auto small = alice->Package("carol", Bytes("fits"));
  ASSERT_TRUE(small.ok()) << small.status().ToString();
  EXPECT_EQ(small->index, 0u);
  EXPECT_EQ(small->pad_left, 2048 - Cost(4));
}

TEST_P(DeviceServiceTest, PadBelowOnePercentIsReportedOnceAndAudited) {
  auto alice = Open("alice");
  // Use carol's 2048-byte half until fewer than 21 bytes (1%) are left.
  uint64_t left = 2048;
  const size_t m = otc1() ? 100 : 200;
  while (left >= Cost(m) + Cost(0) + 21) {  // room for one more and a last message
    auto p = alice->Package("carol", std::vector<uint8_t>(m, 'a'));
    ASSERT_TRUE(p.ok()) << p.status().ToString();
    left -= Cost(m);
    EXPECT_EQ(p->pad_left, left);
    EXPECT_FALSE(p->pad_low);
  }
  const size_t last = static_cast<size_t>(left - 10 - (otc1() ? 48 : 53)) / (otc1() ? 2 : 1);
  auto p = alice->Package("carol", std::vector<uint8_t>(last, 'a'));
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_LT(p->pad_left * 100, 2048u);
  EXPECT_TRUE(p->pad_low);
  std::string audit = AuditText("alice");
  EXPECT_NE(audit.find("PAD_LOW peer=carol"), std::string::npos);
  auto again = alice->Package("carol", {});
  if (again.ok()) {
    EXPECT_TRUE(again->pad_low);
  }
  std::string after = AuditText("alice");
  EXPECT_EQ(after.find("PAD_LOW"), after.rfind("PAD_LOW"));  // logged once
}

TEST_P(DeviceServiceTest, SkippedPadIsReportedAndLateMessagesFillTheGap) {
  auto alice = Open("alice");
  auto bob = Open("bob");
  auto p1 = alice->Package("bob", Bytes("one"));
  auto p2 = alice->Package("bob", Bytes("two!"));
  auto p3 = alice->Package("bob", Bytes("three"));
  ASSERT_TRUE(p1.ok() && p2.ok() && p3.ok());
  auto u3 = bob->Unpackage("alice", p3->package);
  ASSERT_TRUE(u3.ok());
  EXPECT_EQ(u3->skipped, Cost(3) + Cost(4));
  EXPECT_NE(AuditText("bob").find("SKIP peer=alice"), std::string::npos);
  auto u1 = bob->Unpackage("alice", p1->package);
  ASSERT_TRUE(u1.ok());
  EXPECT_EQ(u1->skipped, 0u);
  EXPECT_EQ(Text(u1->plaintext), "one");
}

TEST_P(DeviceServiceTest, DenialConsumesNoPad) {
  CountingPrompter prompter;
  prompter.answer = PromptAnswer::kNo;
  auto alice = Open("alice", "tty", &prompter);
  auto bob = Open("bob", "tty", &prompter);
  auto denied = alice->Package("bob", Bytes("please?"));
  ASSERT_FALSE(denied.ok());
  EXPECT_EQ(denied.status().code(), Code::kDenied);
  EXPECT_EQ(prompter.asked, 1);
  EXPECT_EQ(prompter.last, "alice \u2192 bob: encrypt 7 bytes (" + std::to_string(Cost(7)) +
                               " pad bytes): \"please?\"? [y/N] ");
  EXPECT_NE(AuditText("alice").find("DENIED op=package peer=bob"), std::string::npos);
  prompter.answer = PromptAnswer::kYes;
  auto approved = alice->Package("bob", Bytes("please?"));
  ASSERT_TRUE(approved.ok());
  EXPECT_EQ(approved->index, 0u);  // the denied request reserved nothing

  prompter.answer = PromptAnswer::kTimeout;
  auto u = bob->Unpackage("alice", approved->package);
  EXPECT_EQ(u.status().code(), Code::kDenied);
  EXPECT_EQ(prompter.last, "alice \u2192 bob: decrypt 7 bytes (" + std::to_string(Cost(7)) +
                               " pad bytes)? [y/N] ");
  prompter.answer = PromptAnswer::kYes;
  auto u2 = bob->Unpackage("alice", approved->package);
  ASSERT_TRUE(u2.ok()) << u2.status().ToString();  // the denial consumed nothing
  EXPECT_EQ(u2->skipped, 0u);
}

TEST_P(DeviceServiceTest, LimitPolicyAsksOnlyForLargeMessages) {
  CountingPrompter prompter;
  prompter.answer = PromptAnswer::kNo;
  auto alice = Open("alice", "limit:10", &prompter);
  EXPECT_TRUE(alice->Package("bob", Bytes("0123456789")).ok());
  EXPECT_EQ(prompter.asked, 0);
  EXPECT_EQ(alice->Package("bob", Bytes("0123456789a")).status().code(), Code::kDenied);
  EXPECT_EQ(prompter.asked, 1);
}

TEST_P(DeviceServiceTest, MalformedPackagesAreBadRequestsAndConsumeNothing) {
  auto alice = Open("alice");
  auto bob = Open("bob");
  auto p = alice->Package("bob", Bytes("genuine"));
  ASSERT_TRUE(p.ok());
  for (size_t len : {size_t{0}, size_t{1}, size_t{5}, p->package.size() - 1}) {
    std::vector<uint8_t> cut(p->package.begin(), p->package.begin() + len);
    auto r = bob->Unpackage("alice", cut);
    ASSERT_FALSE(r.ok()) << len;
    if (otc1() && len >= 38) {
      // otc1 has no length field: a shorter package reads as a shorter message whose tag
      // then fails.
      EXPECT_EQ(r.status().code(), Code::kIntegrity) << len;
    } else {
      EXPECT_EQ(r.status().code(), Code::kInvalidArgument) << len;
    }
  }
  std::vector<uint8_t> longer = p->package;
  longer.push_back(0);
  EXPECT_FALSE(bob->Unpackage("alice", longer).ok());
  // An index pointing into bob's own half, at the very top, and past the pad.
  for (uint64_t index : {kHalf + 10, kPadSize - 1, kPadSize + 100, uint64_t{1} << 47}) {
    std::vector<uint8_t> moved = p->package;
    if (otc1()) {
      for (int i = 0; i < 6; ++i) moved[i] = static_cast<uint8_t>(index >> (8 * i));
    } else {
      for (int i = 0; i < 8; ++i) moved[2 + i] = static_cast<uint8_t>(index >> (8 * i));
    }
    auto r = bob->Unpackage("alice", moved);
    ASSERT_FALSE(r.ok()) << index;
    EXPECT_EQ(r.status().code(), Code::kInvalidArgument) << index;
  }
  auto good = bob->Unpackage("alice", p->package);
  ASSERT_TRUE(good.ok()) << good.status().ToString();
  EXPECT_EQ(good->skipped, 0u);
}

TEST_P(DeviceServiceTest, MessagesOverTheLimitAreTooLarge) {
  auto alice = Open("alice");
  auto r = alice->Package("bob", std::vector<uint8_t>(64 * 1024 + 1, 'x'));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kTooLarge);
  EXPECT_TRUE(alice->Package("bob", std::vector<uint8_t>(64 * 1024, 'x')).ok());
}

TEST_P(DeviceServiceTest, ContactsListPadLeftAndAnEstimate) {
  auto alice = Open("alice");
  auto contacts = alice->Contacts();
  ASSERT_TRUE(contacts.ok());
  ASSERT_EQ(contacts->size(), 2u);
  EXPECT_EQ((*contacts)[0].peer, "bob");
  EXPECT_EQ((*contacts)[0].format, otc1() ? Format::kOtc1 : Format::kOtc2);
  EXPECT_EQ((*contacts)[0].pad_left, kHalf);
  EXPECT_EQ((*contacts)[0].pad_total, kHalf);
  EXPECT_EQ((*contacts)[0].messages_left, kHalf / Cost(100));
  EXPECT_EQ((*contacts)[1].peer, "carol");
  EXPECT_EQ((*contacts)[1].pad_left, 2048u);
}

TEST_P(DeviceServiceTest, OnlyOneProcessOrServiceUsesAStore) {
  auto alice = Open("alice");
  DeviceOptions options;
  options.confirm = *ConfirmPolicy::Parse("auto");
  auto second = DeviceService::Open(StoreDir(dir_, "alice"), std::move(options));
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), Code::kBusy);
  EXPECT_NE(second.status().message().find("in use"), std::string::npos);
}

TEST_P(DeviceServiceTest, AuditLogsNeverHoldPlaintext) {
  auto alice = Open("alice");
  auto bob = Open("bob");
  const std::string secret = "SECRET-PLAINTEXT-4242";
  auto p = alice->Package("bob", Bytes(secret));
  ASSERT_TRUE(p.ok());
  alice->Package("dave", Bytes(secret)).status();
  alice->Package("carol", std::vector<uint8_t>(5000, 'S')).status();
  std::vector<uint8_t> forged = p->package;
  forged.back() ^= 1;
  EXPECT_FALSE(bob->Unpackage("alice", forged).ok());
  ASSERT_TRUE(bob->Unpackage("alice", p->package).ok());
  EXPECT_TRUE(bob->Unpackage("alice", p->package)->already_read);
  std::vector<uint8_t> replayed = p->package;
  replayed[replayed.size() / 2] ^= 1;
  EXPECT_EQ(bob->Unpackage("alice", replayed).status().code(), Code::kReplay);
  for (std::string user : {"alice", "bob"}) {
    for (std::string file : {"/device-audit.log", "/audit.log", "/contacts/alice/audit.log",
                             "/contacts/bob/audit.log"}) {
      std::string text = ReadText(StoreDir(dir_, user) + file);
      EXPECT_EQ(text.find("SECRET"), std::string::npos) << user << file;
    }
  }
  EXPECT_FALSE(AuditText("bob").empty());
}

TEST_P(DeviceServiceTest, CursorsPersistAcrossRestarts) {
  {
    auto alice = Open("alice");
    EXPECT_EQ(*alice->GetCursor("http://127.0.0.1:9050"), 0u);
    ASSERT_TRUE(alice->PutCursor("http://127.0.0.1:9050", 12).ok());
    EXPECT_EQ(alice->GetCursor("").status().code(), Code::kInvalidArgument);
  }
  auto alice = Open("alice");
  EXPECT_EQ(*alice->GetCursor("http://127.0.0.1:9050"), 12u);
}

TEST_P(DeviceServiceTest, AFailedFsyncIsAnInternalErrorAndTheStoreStops) {
  auto alice = Open("alice");
  auto p = alice->Package("bob", Bytes("before the disk fails"));
  ASSERT_TRUE(p.ok());
  FaultInjectionEnv env;
  DeviceOptions options;
  options.confirm = *ConfirmPolicy::Parse("auto");
  options.store.env = &env;
  auto bob = DeviceService::Open(StoreDir(dir_, "bob"), std::move(options));
  ASSERT_TRUE(bob.ok()) << bob.status().ToString();
  EXPECT_TRUE((*bob)->Healthy());
  env.FailNthSync(1, 5, "journal");  // the decrypt commit's fsync fails (EIO)
  auto u = (*bob)->Unpackage("alice", p->package);
  ASSERT_FALSE(u.ok());
  EXPECT_EQ(u.status().code(), Code::kInternal);
  // The client learns nothing about the device's state.
  EXPECT_EQ(u.status().message(), "internal error on the device (details are in its audit log)");
  EXPECT_FALSE((*bob)->Healthy());
  env.ClearFaults();
  // Fail-stop: nothing more until the device restarts, not even a retry of the same package.
  EXPECT_EQ((*bob)->Unpackage("alice", p->package).status().code(), Code::kInternal);
  EXPECT_EQ((*bob)->Package("alice", Bytes("x")).status().code(), Code::kInternal);
  EXPECT_NE(AuditText("bob").find("INTERNAL op=unpackage peer=alice"), std::string::npos);
}

}  // namespace
}  // namespace otc::device
