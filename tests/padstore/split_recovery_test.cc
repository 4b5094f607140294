// A moved split on disk: recovery checks the journal's marks and decrypt ranges against
// the capacities the kSplit records give, the open-time burn leaves granted pad alone,
// and fsck and status (the real padstore tool) understand it.
#include <nlohmann/json.hpp>

#include "tests/padstore/split_pair.h"

namespace otc::padstore::testing {
namespace {

using SplitRecoveryTest = SplitPairTest;

TEST_F(SplitRecoveryTest, AMarkPastTheOwnCapacityIsCorruption) {
  {
    auto alice = Open("alice");
    ASSERT_TRUE(alice->Grant("bob", 0, 8192, 0).ok());
  }
  // Inside the original half, but given away.
  AppendRecord("alice", "bob", RecordType::kMark, EncodeU64(kHalf - 8192 + 1));
  auto alice = Open("alice");
  auto info = alice->Info("bob");
  ASSERT_FALSE(info.ok());
  EXPECT_EQ(info.status().code(), Status::Code::kCorruption);
  EXPECT_NE(info.status().message().find("past the own capacity"), std::string::npos)
      << info.status().message();
}

TEST_F(SplitRecoveryTest, AMarkInsideAReceivedGrantIsFineAndOnlyWithIt) {
  AppendRecord("alice", "bob", RecordType::kMark, EncodeU64(kHalf + 100));
  {
    auto alice = Open("alice");
    EXPECT_EQ(alice->Info("bob").status().code(), Status::Code::kCorruption)
        << "past the half, with no grant";
  }
  AppendRecord("alice", "bob", RecordType::kSplit, EncodeSplitTotals({0, 4096}));
  auto alice = Open("alice");
  auto info = alice->Info("bob");
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  EXPECT_EQ(info->own_used, kHalf + 100);
  EXPECT_EQ(info->own_capacity, kHalf + 4096);
  auto r = alice->ReserveRange("bob", 10);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->indices, (IndexRange{kHalf + 100, kHalf + 110}));
}

TEST_F(SplitRecoveryTest, AJournalRecoveryRefusesIsLeftExactlyAsItWas) {
  // What a build that does not know a record type does (an older build meeting kSplit):
  // it refuses the journal, and must not replace it on its way out.
  AppendRecord("alice", "bob", RecordType::kMark, EncodeU64(100));
  AppendRecord("alice", "bob", static_cast<RecordType>(99), EncodeU64(1));
  const std::string journal = ContactFile("alice", "bob", "journal");
  const std::string before = ReadText(journal);
  for (int open = 0; open < 2; ++open) {
    auto alice = Open("alice");
    auto info = alice->Info("bob");
    EXPECT_EQ(info.status().code(), Status::Code::kCorruption) << "open " << open;
    EXPECT_NE(info.status().message().find("unknown record type 99"), std::string::npos)
        << info.status().message();
    ASSERT_TRUE(alice->Close().ok());
    EXPECT_EQ(ReadText(journal), before) << "open " << open;
  }
}

TEST_F(SplitRecoveryTest, ADecryptRangeOutsideThePeersMovedStreamIsCorruption) {
  // Bob's record of decrypting alice's pad past the split is fine once bob gave it...
  AppendRecord("bob", "alice", RecordType::kSplit, EncodeSplitTotals({4096, 0}));
  AppendRecord("bob", "alice", RecordType::kDecrypt, EncodeRange({kHalf, kHalf + 4096}));
  {
    auto bob = Open("bob");
    auto info = bob->Info("alice");
    ASSERT_TRUE(info.ok()) << info.status().ToString();
    EXPECT_EQ(info->peer_frontier, kHalf + 4096);
  }
  // ...and corrupt one byte further.
  AppendRecord("bob", "alice", RecordType::kDecrypt, EncodeRange({kHalf + 4096, kHalf + 4097}));
  auto bob = Open("bob");
  auto info = bob->Info("alice");
  EXPECT_EQ(info.status().code(), Status::Code::kCorruption);
  EXPECT_NE(info.status().message().find("outside the peer's part of the pad"), std::string::npos)
      << info.status().message();
}

TEST_F(SplitRecoveryTest, SplitTotalsThatDoNotFitThePadAreCorruption) {
  AppendRecord("alice", "bob", RecordType::kSplit, EncodeSplitTotals({kHalf + 1, 0}));
  auto alice = Open("alice");
  EXPECT_EQ(alice->Info("bob").status().code(), Status::Code::kCorruption);
}

TEST_F(SplitRecoveryTest, TheBurnAtOpenNeverBurnsGrantedPad) {
  {
    auto alice = Open("alice");
    ASSERT_TRUE(alice->ReserveRange("bob", 20000).ok());
    ASSERT_TRUE(alice->Grant("bob", 0, 4000, 0).ok());  // [28768, 32768): now bob's
    alice->AbandonForTesting();
  }
  const std::string pad = ContactFile("alice", "bob", "pad");
  const uint64_t mark = 20000 + kHalf / 64;
  {
    auto alice = Open("alice");  // burns everything below the mark
    EXPECT_TRUE(AllZero(ReadRaw(pad, 0, mark)));
    EXPECT_EQ(ReadRaw(pad, mark, kPad), PadBytes(kSeed, mark, kPad));
    ASSERT_TRUE(alice->Close().ok());
  }
  EXPECT_EQ(ReadRaw(pad, kHalf - 4000, kPad), PadBytes(kSeed, kHalf - 4000, kPad));
}

TEST_F(SplitRecoveryTest, FsckIsCleanOnAMovedSplitAndStillFlagsABurnOfUnusedPad) {
  {
    auto alice = Open("alice");
    auto bob = Open("bob");
    auto given = bob->Grant("alice", 0, 8192, 0);
    ASSERT_TRUE(given.ok());
    ASSERT_TRUE(alice->ReceiveGrant("bob", 0, *given).ok());
    auto sent = alice->ReserveRange("bob", kHalf + 1000);
    ASSERT_TRUE(sent.ok()) << sent.status().ToString();
    ASSERT_TRUE(alice->MarkUsed(*sent).ok());
    auto p = bob->BeginDecrypt("alice", 0, kHalf, 1000);
    ASSERT_TRUE(p.ok()) << p.status().ToString();
    ASSERT_TRUE(bob->CommitDecrypt(*p).ok());
    ASSERT_TRUE(alice->Close().ok());
    ASSERT_TRUE(bob->Close().ok());
  }
  for (const std::string owner : {"alice", "bob"}) {
    ToolRun fsck = Padstore("fsck --store " + StoreDir(owner));
    EXPECT_EQ(fsck.code, 0) << owner << ": " << fsck.out;
  }
  // A burn of pad alice never used (inside her received grant, past what she sent).
  AppendRecord("alice", "bob", RecordType::kBurn, EncodeRange({kHalf + 2000, kHalf + 2100}));
  ToolRun fsck = Padstore("fsck --store " + StoreDir("alice"));
  EXPECT_NE(fsck.code, 0) << fsck.out;
  EXPECT_NE(fsck.out.find("destroys pad that was never used"), std::string::npos) << fsck.out;
}

TEST_F(SplitRecoveryTest, StatusShowsTheMovedSplit) {
  {
    auto alice = Open("alice");
    ASSERT_TRUE(alice->Grant("bob", 0, 12 * 1024, 0).ok());
  }
  ToolRun text = Padstore("status --store " + StoreDir("alice"));
  ASSERT_EQ(text.code, 0) << text.out;
  EXPECT_NE(text.out.find("split moved: gave 12K, received 0 bytes (own 20K of 32K original)"),
            std::string::npos)
      << text.out;
  ToolRun json = Padstore("status --json --store " + StoreDir("alice"));
  ASSERT_EQ(json.code, 0) << json.out;
  auto st = nlohmann::json::parse(json.out);
  const auto& c = st["contacts"][0];
  EXPECT_EQ(c["split_given"], 12 * 1024);
  EXPECT_EQ(c["split_received"], 0);
  EXPECT_EQ(c["own_capacity"], kHalf - 12 * 1024);
  EXPECT_EQ(c["own_half"], kHalf);
  EXPECT_EQ(c["own_left"], kHalf - 12 * 1024);
  EXPECT_EQ(c["all_own_half"], kHalf - 12 * 1024);
  // Bob's view before he hears of it: nothing moved, no line.
  ToolRun bob = Padstore("status --store " + StoreDir("bob"));
  EXPECT_EQ(bob.out.find("split moved"), std::string::npos) << bob.out;
}

}  // namespace
}  // namespace otc::padstore::testing
