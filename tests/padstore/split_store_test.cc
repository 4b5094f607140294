// Moving the split in real stores (split_grants.h): grants are durable before they are
// returned, received grants extend the receiver's stream into exactly the giver's far
// end, and each side's acceptance window follows.
#include <filesystem>

#include "common/fault_injection_env.h"
#include "tests/padstore/split_pair.h"

namespace otc::padstore::testing {
namespace {

using SplitStoreTest = SplitPairTest;

TEST_F(SplitStoreTest, AGrantSurvivesACrashCompactionAndACleanClose) {
  auto alice = Open("alice");
  auto given = alice->Grant("bob", 0, 12 * 1024, 0);
  ASSERT_TRUE(given.ok()) << given.status().ToString();
  EXPECT_EQ(*given, 12u * 1024);
  auto check = [&](const char* when) {
    auto info = alice->Info("bob");
    ASSERT_TRUE(info.ok()) << when << ": " << info.status().ToString();
    EXPECT_EQ(info->split_given, 12u * 1024) << when;
    EXPECT_EQ(info->split_received, 0u) << when;
    EXPECT_EQ(info->own_capacity, kHalf - 12 * 1024) << when;
    EXPECT_EQ(info->peer_capacity, kHalf + 12 * 1024) << when;
    EXPECT_EQ(info->own_half, kHalf) << when;
  };
  check("after the grant");
  alice->AbandonForTesting();  // from the appended record
  alice = Open("alice");
  check("after a crash");
  ASSERT_TRUE(alice->Checkpoint().ok());
  {
    // The compacted journal carries the totals in its header.
    auto scan = ScanJournal(*Env::Default(), ContactFile("alice", "bob", "journal"));
    ASSERT_TRUE(scan.ok());
    int split_records = 0;
    for (const JournalRecord& r : scan->records) {
      if (r.type != RecordType::kSplit) continue;
      ++split_records;
      SplitTotals t;
      ASSERT_TRUE(DecodeSplitTotals(r.payload, &t));
      EXPECT_EQ(t, (SplitTotals{12 * 1024, 0}));
    }
    EXPECT_EQ(split_records, 2) << "one record, two copies";
  }
  alice->AbandonForTesting();
  alice = Open("alice");
  check("after compaction and a crash");
  ASSERT_TRUE(alice->Close().ok());
  alice = Open("alice");
  check("after a clean close");
  EXPECT_NE(ReadText(ContactFile("alice", "bob", "audit.log")).find("SPLIT_GRANT peer=bob"),
            std::string::npos);
}

TEST_F(SplitStoreTest, AFailedSyncInAGrantFailStopsAndNothingIsGiven) {
  FaultInjectionEnv fi;
  auto alice = Open("alice", &fi);
  fi.FailNthSync(1, EIO, "/journal");
  auto given = alice->Grant("bob", 0, 4096, 0);
  ASSERT_FALSE(given.ok());
  EXPECT_EQ(given.status().code(), Status::Code::kIOError) << given.status().ToString();
  EXPECT_TRUE(alice->failed());
  EXPECT_EQ(alice->Grant("bob", 0, 1, 0).status().code(), Status::Code::kFailed);
  EXPECT_EQ(alice->ReserveRange("bob", 1).status().code(), Status::Code::kFailed);
  alice.reset();
  fi.SimulatePowerLoss();
  alice = Open("alice", &fi);
  auto info = alice->Info("bob");
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->split_given, 0u) << "the unsynced grant was never returned";
  EXPECT_EQ(info->own_capacity, kHalf);
}

TEST_F(SplitStoreTest, AReceivedGrantExtendsTheStreamIntoExactlyTheGiversFarEnd) {
  auto alice = Open("alice");
  auto bob = Open("bob");
  // Alice uses her whole half; one more byte is refused until a grant arrives.
  auto half = alice->Reserve("bob", kHalf);
  ASSERT_TRUE(half.ok()) << half.status().ToString();
  EXPECT_EQ(half->range.indices, (IndexRange{0, kHalf}));
  EXPECT_EQ(alice->ReserveRange("bob", 1).status().code(), Status::Code::kExhausted);

  // Bob (direction -1) gives 8K: the far end of his stream, next to the split.
  auto given = bob->Grant("alice", 0, 8192, 0);
  ASSERT_TRUE(given.ok()) << given.status().ToString();
  EXPECT_EQ(alice->ReserveRange("bob", 1).status().code(), Status::Code::kExhausted)
      << "not usable before alice has received and recorded it";
  auto changed = alice->ReceiveGrant("bob", 0, *given);
  ASSERT_TRUE(changed.ok()) << changed.status().ToString();
  EXPECT_TRUE(*changed);

  auto moved = alice->Reserve("bob", 1000);
  ASSERT_TRUE(moved.ok()) << moved.status().ToString();
  EXPECT_EQ(moved->range.indices, (IndexRange{kHalf, kHalf + 1000}));
  EXPECT_EQ(moved->range.first_index, kHalf);
  EXPECT_EQ(moved->range.stream_offset, kHalf);
  EXPECT_EQ(ToVector(moved->pad), PadBytes(kSeed, kHalf, kHalf + 1000));

  // Bob decrypts alice's package there with the same pad bytes.
  auto p = bob->BeginDecrypt("alice", 0, moved->range.first_index, 1000);
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(p->indices, moved->range.indices);
  auto pad = bob->ReadPad(*p);
  ASSERT_TRUE(pad.ok()) << pad.status().ToString();
  EXPECT_EQ(ToVector(*pad), ToVector(moved->pad));
  auto commit = bob->CommitDecrypt(*p);
  ASSERT_TRUE(commit.ok()) << commit.status().ToString();
  EXPECT_EQ(commit->skipped, kHalf) << "alice's first package (her whole half) never came";
  EXPECT_EQ(bob->Info("alice")->peer_frontier, kHalf + 1000);

  // Beyond what bob gave: refused before any pad is read.
  const uint64_t bob_peer_end = kHalf + 8192;  // alice's stream ends here for bob
  for (auto [first, length] :
       {std::pair<uint64_t, uint64_t>{bob_peer_end - 10, 20}, {bob_peer_end, 1}, {kPad - 1, 1}}) {
    auto beyond = bob->BeginDecrypt("alice", 0, first, length);
    EXPECT_EQ(beyond.status().code(), Status::Code::kInvalidArgument)
        << first << "+" << length << ": " << beyond.status().ToString();
  }
  EXPECT_NE(ReadText(ContactFile("bob", "alice", "audit.log"))
                .find("RANGE peer=alice first_index=" + std::to_string(bob_peer_end)),
            std::string::npos);
  // Alice's stream ends where bob's grant ends.
  ASSERT_TRUE(alice->ReserveRange("bob", 8192 - 1000).ok());
  EXPECT_EQ(alice->ReserveRange("bob", 1).status().code(), Status::Code::kExhausted);

  // Bob can no longer reserve the granted bytes: his stream stops 8K short of the split.
  auto rest = bob->Reserve("alice", kHalf - 8192);
  ASSERT_TRUE(rest.ok()) << rest.status().ToString();
  EXPECT_EQ(rest->range.indices, (IndexRange{kHalf + 8192, kPad}));
  auto over = bob->ReserveRange("alice", 1);
  EXPECT_EQ(over.status().code(), Status::Code::kExhausted) << over.status().ToString();
  EXPECT_EQ(bob->Info("alice")->own_left, 0u);
}

TEST_F(SplitStoreTest, AGrantNeverGivesPadBelowTheDurableMarkOrTheKeep) {
  auto alice = Open("alice");
  ASSERT_TRUE(alice->ReserveRange("bob", 100).ok());
  auto info = alice->Info("bob");
  // The durable mark is ahead of the 100 bytes by the batch, capped at 1/64 of the half.
  const uint64_t mark = 100 + kHalf / 64;
  EXPECT_EQ(info->own_spare, kHalf - mark);
  const uint64_t keep = 1000;
  auto too_much = alice->Grant("bob", 0, kHalf - mark - keep + 1, keep);
  EXPECT_EQ(too_much.status().code(), Status::Code::kExhausted) << too_much.status().ToString();
  EXPECT_EQ(alice->Info("bob")->split_given, 0u) << "nothing recorded";
  EXPECT_EQ(alice->Grant("bob", 0, 0, 0).status().code(), Status::Code::kInvalidArgument);
  auto given = alice->Grant("bob", 0, kHalf - mark - keep, keep);
  ASSERT_TRUE(given.ok()) << given.status().ToString();
  info = alice->Info("bob");
  EXPECT_EQ(info->own_spare, keep);
  EXPECT_EQ(info->own_capacity, mark + keep);
  EXPECT_EQ(alice->Grant("bob", 0, 1, keep).status().code(), Status::Code::kExhausted);
  // Alice's own reservations stop at the new end of her stream.
  EXPECT_EQ(alice->ReserveRange("bob", mark + keep - 100 + 1).status().code(),
            Status::Code::kExhausted);
  auto last = alice->ReserveRange("bob", mark + keep - 100);
  ASSERT_TRUE(last.ok()) << last.status().ToString();
  EXPECT_EQ(last->indices.hi, mark + keep);
  EXPECT_EQ(alice->Generations("bob")->front().own_left, 0u);
  // A generation the contact does not hold.
  EXPECT_EQ(alice->Grant("bob", 3, 1, 0).status().code(), Status::Code::kUnsupported);
}

TEST_F(SplitStoreTest, ACopiedStoreRefusesToGrant) {
  { auto alice = Open("alice"); }
  std::filesystem::copy(StoreDir("alice"), dir_.File("copy"),
                        std::filesystem::copy_options::recursive);
  std::filesystem::remove_all(StoreDir("alice"));
  std::filesystem::rename(dir_.File("copy"), StoreDir("alice"));
  auto alice = Open("alice");
  ASSERT_TRUE(alice->Info("bob")->needs_recovery);
  auto given = alice->Grant("bob", 0, 10, 0);
  EXPECT_EQ(given.status().code(), Status::Code::kDenied) << given.status().ToString();
  EXPECT_NE(given.status().message().find("padstore recover"), std::string::npos);
  EXPECT_EQ(alice->Info("bob")->split_given, 0u);
}

TEST_F(SplitStoreTest, ReceivedTotalsThatCannotBeTrueAreRefusedAndStaleOnesChangeNothing) {
  auto alice = Open("alice");
  // Bob holds 32K and has been given nothing: he cannot give 32K + 1.
  auto over = alice->ReceiveGrant("bob", 0, kHalf + 1);
  EXPECT_EQ(over.status().code(), Status::Code::kInvalidArgument) << over.status().ToString();
  EXPECT_EQ(alice->Info("bob")->split_received, 0u);
  EXPECT_EQ(*alice->ReceiveGrant("bob", 0, 100), true);
  EXPECT_EQ(*alice->ReceiveGrant("bob", 0, 100), false) << "repeated";
  EXPECT_EQ(*alice->ReceiveGrant("bob", 0, 50), false) << "lower (reordered)";
  EXPECT_EQ(alice->Info("bob")->split_received, 100u);
  EXPECT_EQ(alice->Info("bob")->own_capacity, kHalf + 100);

  // Bob cannot give pad alice already decrypted from his stream (its first 10 bytes).
  auto p = alice->BeginDecrypt("bob", 0, kPad - 1, 10);
  ASSERT_TRUE(p.ok());
  ASSERT_TRUE(alice->CommitDecrypt(*p).ok());
  auto used = alice->ReceiveGrant("bob", 0, kHalf - 5);
  EXPECT_EQ(used.status().code(), Status::Code::kInvalidArgument) << used.status().ToString();
  EXPECT_EQ(*alice->ReceiveGrant("bob", 0, kHalf - 10), true) << "up to the decrypted pad";

  alice->AbandonForTesting();
  alice = Open("alice");
  EXPECT_EQ(alice->Info("bob")->split_received, kHalf - 10);
  EXPECT_NE(ReadText(ContactFile("alice", "bob", "audit.log")).find("SPLIT_RECEIVED peer=bob"),
            std::string::npos);
}

TEST_F(SplitStoreTest, TheGrantWitnessRestoresALedgerARestoredStoreLost) {
  const std::string journal = ContactFile("alice", "bob", "journal");
  { auto alice = Open("alice"); }
  const std::string before = ReadText(journal);
  {
    auto alice = Open("alice");
    ASSERT_TRUE(alice->Grant("bob", 0, 8192, 0).ok());
  }
  // Restore the journal from before the grant, in place.
  {
    auto f = Env::Default()->OpenFile(journal, {.write = true, .truncate = true});
    ASSERT_TRUE(f.ok());
    ASSERT_TRUE(
        WriteFully(**f, 0,
                   std::span(reinterpret_cast<const uint8_t*>(before.data()), before.size()))
            .ok());
  }
  auto alice = Open("alice");
  EXPECT_EQ(alice->Info("bob")->split_given, 0u) << "the restore lost the grant";
  EXPECT_EQ(*alice->HeedGrantWitness("bob", 0, 0), false);
  auto changed = alice->HeedGrantWitness("bob", 0, 8192);
  ASSERT_TRUE(changed.ok()) << changed.status().ToString();
  EXPECT_TRUE(*changed);
  EXPECT_EQ(*alice->HeedGrantWitness("bob", 0, 8192), false) << "heard again";
  alice->AbandonForTesting();
  alice = Open("alice");
  auto info = alice->Info("bob");
  EXPECT_EQ(info->split_given, 8192u) << "durable";
  EXPECT_EQ(info->own_capacity, kHalf - 8192);
  EXPECT_NE(ReadText(ContactFile("alice", "bob", "audit.log")).find("ROLLBACK peer=bob ledger"),
            std::string::npos);
}

TEST_F(SplitStoreTest, TheGrantWitnessStopsAtPadTheRestoredStoreAlreadyCountsUsed) {
  auto alice = Open("alice");
  // The restored store (its ledger says nothing was given) went on past 24K.
  ASSERT_TRUE(alice->ReserveRange("bob", 30000).ok());
  const uint64_t mark = alice->Info("bob")->own_capacity - alice->Info("bob")->own_spare;
  auto changed = alice->HeedGrantWitness("bob", 0, 8192);
  ASSERT_TRUE(changed.ok()) << changed.status().ToString();
  EXPECT_TRUE(*changed);
  auto info = alice->Info("bob");
  EXPECT_EQ(info->split_given, kHalf - mark) << "clamped at the durable mark";
  EXPECT_EQ(info->own_capacity, mark);
  EXPECT_EQ(alice->ReserveRange("bob", mark - 30000 + 1).status().code(), Status::Code::kExhausted);
  alice->AbandonForTesting();
  alice = Open("alice");  // the journal's marks still fit the capacity
  EXPECT_EQ(alice->Info("bob")->own_capacity, mark);
  EXPECT_NE(ReadText(ContactFile("alice", "bob", "audit.log")).find("clamped"), std::string::npos);
}

}  // namespace
}  // namespace otc::padstore::testing
