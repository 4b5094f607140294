// DeviceService with a renewed pad (in process, real stores): packages name their pad
// generation in the index, a package made on the old pad still decrypts after renewal,
// pad left counts every generation, and after the old generation is retired its packages
// are refused as retired (bad_request), not as replays.
#include <gtest/gtest.h>

#include "chat/device/device_service.h"
#include "chat/rpc/error_category.h"
#include "common/coding.h"
#include "common/encoding.h"
#include "common/pad_vocabulary.h"
#include "tests/device/device_test_util.h"

namespace otc::device {
namespace {

using testing::kStorePlace;
using testing::Pair;
using testing::StoreDir;

constexpr uint64_t kPadSize = 1 << 16;

std::string Text(const SecretBuffer& b) {
  return std::string(reinterpret_cast<const char*>(b.data()), b.size());
}

class RenewalTest : public ::testing::Test {
 protected:
  std::unique_ptr<DeviceService> Open(const std::string& user) {
    DeviceOptions options;
    options.confirm = *ConfirmPolicy::Parse("auto");
    auto s = DeviceService::Open(StoreDir(dir_, user), std::move(options));
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    return s.ok() ? std::move(*s) : nullptr;
  }
  TestDir dir_{kStorePlace};
};

TEST_F(RenewalTest, OldPackagesDecryptAfterRenewalAndAreRefusedAsRetiredAfterRetire) {
  ASSERT_TRUE(testing::MakeStores(dir_, {Pair{"alice", "bob", Format::kOtc2, kPadSize, 11}}));
  std::vector<uint8_t> old1, old2;
  {
    auto alice = Open("alice");
    ASSERT_TRUE(alice);
    auto p1 = alice->Package("bob", AsBytes("made on generation 0"));
    auto p2 = alice->Package("bob", AsBytes("also generation 0"));
    ASSERT_TRUE(p1.ok() && p2.ok());
    EXPECT_EQ(GenerationOfIndex(p1->index), 0u);
    EXPECT_EQ(p1->index, 0u);  // byte-identical to packages before generations existed
    old1 = p1->package;
    old2 = p2->package;
  }
  // The pair meets again: a second pad, registered in both stores (as padgen does).
  ASSERT_TRUE(testing::MakeStores(dir_, {Pair{"alice", "bob", Format::kOtc2, 2 * kPadSize, 21}}));

  auto alice = Open("alice");
  auto bob = Open("bob");
  ASSERT_TRUE(alice && bob);
  auto fresh = alice->Package("bob", AsBytes("made on generation 1"));
  ASSERT_TRUE(fresh.ok()) << fresh.status().ToString();
  EXPECT_EQ(GenerationOfIndex(fresh->index), 1u);
  EXPECT_EQ(PadIndexOfIndex(fresh->index), 0u);
  EXPECT_EQ(DecodeFixed64(&fresh->package[2]), fresh->index);  // the header carries it
  // Own halves of both generations, less what was used.
  EXPECT_EQ(fresh->pad_total, kPadSize / 2 + kPadSize);
  EXPECT_LT(fresh->pad_left, fresh->pad_total);
  EXPECT_GT(fresh->pad_left, kPadSize);

  auto u_old = bob->Unpackage("alice", old1);
  ASSERT_TRUE(u_old.ok()) << u_old.status().ToString();
  EXPECT_EQ(Text(u_old->plaintext), "made on generation 0");
  auto u_new = bob->Unpackage("alice", fresh->package);
  ASSERT_TRUE(u_new.ok()) << u_new.status().ToString();
  EXPECT_EQ(Text(u_new->plaintext), "made on generation 1");
  EXPECT_EQ(u_new->index, fresh->index);

  // bob answers on generation 1 too (downward from the top of the new pad).
  auto back = bob->Package("alice", AsBytes("ok"));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->index, PackageIndex(1, 2 * kPadSize - 1));
  auto u_back = alice->Unpackage("bob", back->package);
  ASSERT_TRUE(u_back.ok()) << u_back.status().ToString();
  EXPECT_EQ(Text(u_back->plaintext), "ok");

  auto contacts = alice->Contacts();
  ASSERT_TRUE(contacts.ok());
  ASSERT_EQ(contacts->size(), 1u);
  EXPECT_EQ((*contacts)[0].pad_total, kPadSize / 2 + kPadSize);
  EXPECT_EQ((*contacts)[0].generations, 2u);
  EXPECT_EQ((*contacts)[0].generation, 1u);

  // bob retires generation 0; a package on it is now refused as retired.
  bob.reset();
  {
    auto store = padstore::Store::Open(StoreDir(dir_, "bob"));
    ASSERT_TRUE(store.ok());
    ASSERT_TRUE((*store)->Retire("alice", 0).ok());
    ASSERT_TRUE((*store)->Close().ok());
  }
  bob = Open("bob");
  ASSERT_TRUE(bob);
  auto refused = bob->Unpackage("alice", old2);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(rpc::CategoryFor(refused.status().code()), rpc::ErrorCategory::kBadRequest);
  EXPECT_NE(refused.status().message().find("retired"), std::string::npos)
      << refused.status().message();
  // A package naming a generation nobody made is "unknown".
  std::vector<uint8_t> forged = fresh->package;
  EncodeFixed64(&forged[2], PackageIndex(9, 0));
  auto unknown = bob->Unpackage("alice", forged);
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.status().message().find("unknown"), std::string::npos)
      << unknown.status().message();
}

// A witness speaks of the pad its package was made with: a package bob made on generation
// 0 (knowing how far alice got there) that arrives after alice moved on to generation 1
// is no evidence of a rollback of generation 1, and generation 1's position stays put.
TEST_F(RenewalTest, AWitnessOnlySpeaksOfItsOwnGeneration) {
  ASSERT_TRUE(testing::MakeStores(dir_, {Pair{"alice", "bob", Format::kOtc2, kPadSize, 11}}));
  std::vector<uint8_t> bob_on_gen0;
  {
    auto alice = Open("alice");
    auto bob = Open("bob");
    ASSERT_TRUE(alice && bob);
    for (int i = 0; i < 3; ++i) {
      auto p = alice->Package("bob", AsBytes("generation 0, message " + std::to_string(i)));
      ASSERT_TRUE(p.ok());
      ASSERT_TRUE(bob->Unpackage("alice", p->package).ok());
    }
    // bob's witness here: alice's generation-0 stream up to three messages.
    auto reply = bob->Package("alice", AsBytes("three received"));
    ASSERT_TRUE(reply.ok());
    EXPECT_EQ(GenerationOfIndex(reply->index), 0u);
    bob_on_gen0 = reply->package;
  }
  ASSERT_TRUE(testing::MakeStores(dir_, {Pair{"alice", "bob", Format::kOtc2, kPadSize, 21}}));
  auto alice = Open("alice");
  auto bob = Open("bob");
  ASSERT_TRUE(alice && bob);
  auto first = alice->Package("bob", AsBytes("one"));
  ASSERT_TRUE(first.ok());
  ASSERT_EQ(GenerationOfIndex(first->index), 1u);
  // The late generation-0 reply: authentic, its witness beyond alice's generation-1
  // position, but about generation 0, where alice did use that much.
  auto late = alice->Unpackage("bob", bob_on_gen0);
  ASSERT_TRUE(late.ok()) << late.status().ToString();
  EXPECT_EQ(Text(late->plaintext), "three received");
  EXPECT_FALSE(late->rollback);
  auto second = alice->Package("bob", AsBytes("two"));
  ASSERT_TRUE(second.ok());
  // "one" costs 3 + 53 pad bytes (docs/PROTOCOL.md: m + 53 with the envelope).
  EXPECT_EQ(PadIndexOfIndex(second->index), PadIndexOfIndex(first->index) + 3 + 53)
      << "generation 1 moved: a generation-0 witness was applied to it";
  // And bob's next reply, on generation 1, carries generation 1's witness: no alarm.
  ASSERT_TRUE(bob->Unpackage("alice", first->package).ok());
  auto reply = bob->Package("alice", AsBytes("got one"));
  ASSERT_TRUE(reply.ok());
  ASSERT_EQ(GenerationOfIndex(reply->index), 1u);
  auto heard = alice->Unpackage("bob", reply->package);
  ASSERT_TRUE(heard.ok());
  EXPECT_FALSE(heard->rollback);
}

}  // namespace
}  // namespace otc::device
