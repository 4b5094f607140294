// Fault injection through the Env: failing fsync, short writes, ENOSPC, torn and
// bit-flipped journal records, and loss of unsynced writes on a simulated power loss.
// For each: no pad is ever handed out twice, the error is clear, the store fail-stops,
// and on reopen it recovers.
#include <filesystem>
#include <random>

#include "common/fault_injection_env.h"
#include "padstore/journal.h"
#include "tests/padstore/no_sync_env.h"
#include "tests/padstore/test_pad.h"

namespace otc::padstore {
namespace {

using testing::ReadText;

class FaultInjectionTest : public testing::StoreFixture {
 protected:
  // Halves of 6400 bytes: the reserve batch of 100 below is 1/64 of one, so the mark
  // moves by exactly the batch (it is capped at 1/64 of the own capacity).
  static constexpr uint64_t kPadSize = 12800;
  StoreOptions Options(Env* env) {
    StoreOptions o;
    o.env = env;
    o.reserve_batch = 100;
    o.burn_batch = 1 << 20;
    return o;
  }
  std::unique_ptr<Store> Reopen(Env* env) {
    auto store = Store::Open(store_dir(), Options(env));
    EXPECT_TRUE(store.ok()) << store.status().ToString();
    return store.ok() ? std::move(*store) : nullptr;
  }
  void FlipByte(const std::string& path, uint64_t offset) {
    auto f = Env::Default()->OpenFile(path, {.write = true});
    uint8_t b;
    ASSERT_TRUE(ReadFully(**f, offset, {&b, 1}).ok());
    b ^= 0x20;
    ASSERT_TRUE(WriteFully(**f, offset, {&b, 1}).ok());
  }
};

TEST_F(FaultInjectionTest, AFailedMarkFsyncIsFatalAndNothingIsReused) {
  MakeStore(kPadSize, Direction::kUp);
  FaultInjectionEnv fi;
  auto store = Reopen(&fi);
  auto r1 = store->ReserveRange("bob", 10);  // mark 110, durable
  ASSERT_TRUE(r1.ok());
  fi.FailNthSync(1, EIO, "/journal");
  auto r2 = store->ReserveRange("bob", 200);  // needs mark 310: its fsync fails
  ASSERT_FALSE(r2.ok());
  EXPECT_EQ(r2.status().code(), Status::Code::kIOError);
  EXPECT_NE(r2.status().message().find("journal"), std::string::npos) << r2.status().message();
  // Fail-stop: nothing more, and no further fsync is even attempted.
  const int syncs = fi.syncs();
  EXPECT_EQ(store->ReserveRange("bob", 1).status().code(), Status::Code::kFailed);
  EXPECT_EQ(store->BeginDecrypt("bob", 9999, 1).status().code(), Status::Code::kFailed);
  EXPECT_EQ(store->Flush().code(), Status::Code::kFailed);
  EXPECT_TRUE(store->failed());
  EXPECT_NE(store->failure().message().find("reopened"), std::string::npos);
  store.reset();  // Close after a fail-stop writes nothing
  EXPECT_EQ(fi.syncs(), syncs);
  fi.SimulatePowerLoss();
  store = Reopen(&fi);
  auto r3 = store->ReserveRange("bob", 1);
  ASSERT_TRUE(r3.ok());
  EXPECT_GE(r3->first_index, 110u) << "never below a durable mark";
  EXPECT_NE(ReadText(contact_file("audit.log")).find("FAIL_STOP peer=bob"), std::string::npos);
}

TEST_F(FaultInjectionTest, AReopenAfterAFailedFsyncThenAPowerLossStillNeverReuses) {
  // The PostgreSQL fsync scenario: the failed write is still visible in the page cache
  // when the store is reopened in the same process, then the machine loses power.
  MakeStore(10000, Direction::kUp);
  FaultInjectionEnv fi;
  auto store = Reopen(&fi);
  ASSERT_TRUE(store->ReserveRange("bob", 10).ok());  // mark 110
  fi.FailNthSync(1, EIO, "/journal");
  ASSERT_FALSE(store->ReserveRange("bob", 200).ok());
  store.reset();
  store = Reopen(&fi);  // sees the unsynced mark 310 and counts it
  auto r = store->ReserveRange("bob", 5);
  ASSERT_TRUE(r.ok());
  uint64_t handed_out_end = r->indices.hi;
  store->AbandonForTesting();
  fi.SimulatePowerLoss();
  store = Reopen(&fi);
  auto after = store->ReserveRange("bob", 5);
  ASSERT_TRUE(after.ok());
  EXPECT_GE(after->indices.lo, handed_out_end);
}

TEST_F(FaultInjectionTest, AFailedDecryptFsyncReleasesNothingAndCanBeRetriedAfterReopen) {
  MakeStore(10000, Direction::kUp);  // peer half [5000, 10000), streams downward
  FaultInjectionEnv fi;
  auto store = Reopen(&fi);
  auto p = store->BeginDecrypt("bob", 9999, 20);
  ASSERT_TRUE(p.ok());
  fi.FailNthSync(1, EIO, "/journal");
  auto d = store->CommitDecrypt(*p);
  ASSERT_FALSE(d.ok()) << "the caller must not release the plaintext";
  EXPECT_EQ(d.status().code(), Status::Code::kIOError);
  EXPECT_EQ(store->CommitDecrypt(*p).status().code(), Status::Code::kFailed);
  store.reset();
  fi.SimulatePowerLoss();
  store = Reopen(&fi);
  auto again = store->BeginDecrypt("bob", 9999, 20);
  ASSERT_TRUE(again.ok()) << "never acknowledged, so not a replay";
  ASSERT_TRUE(store->CommitDecrypt(*again).ok());
  EXPECT_EQ(store->BeginDecrypt("bob", 9999, 20).status().code(), Status::Code::kReplay);
}

TEST_F(FaultInjectionTest, AFailedSkipAuditLineStopsTheStoreButTheDurableDecryptStands) {
  MakeStore(10000, Direction::kUp);  // peer half [5000, 10000), streams downward
  FaultInjectionEnv fi;
  auto store = Reopen(&fi);
  // Index 9899 leaves 100 never-seen bytes above it: the commit writes a SKIP line, which
  // is appended (and synced) after the contact's lock is released, after the decrypt
  // record's own sync.
  auto p = store->BeginDecrypt("bob", 9899, 20);
  ASSERT_TRUE(p.ok());
  fi.FailNthSync(1, EIO, "contacts/bob/audit.log");
  auto d = store->CommitDecrypt(*p);
  // The decrypt is durable: refusing it now would lose the message for good (a retry is
  // a replay), so it is returned and the store stops.
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(d->skipped, 100u);
  EXPECT_TRUE(store->failed());
  EXPECT_EQ(store->BeginDecrypt("bob", 9999, 20).status().code(), Status::Code::kFailed);
  store.reset();
  fi.SimulatePowerLoss();
  store = Reopen(&fi);
  EXPECT_EQ(store->BeginDecrypt("bob", 9899, 20).status().code(), Status::Code::kReplay)
      << "decrypted once, durably";
}

TEST_F(FaultInjectionTest, ShortWritesAreCompletedNotTorn) {
  MakeStore(kPadSize, Direction::kDown);
  FaultInjectionEnv fi;
  auto store = Reopen(&fi);
  fi.ShortNthWrite(1, 7, "/journal");
  auto r = store->ReserveRange("bob", 10);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  store->AbandonForTesting();
  auto scan = ScanJournal(*Env::Default(), contact_file("journal"));
  ASSERT_TRUE(scan.ok());
  EXPECT_TRUE(scan->damage.empty());
  fi.SimulatePowerLoss();
  store = Reopen(&fi);
  auto next = store->ReserveRange("bob", 1);
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(next->first_index, kPadSize - 110u - 1u) << "the mark (110) survived";
}

TEST_F(FaultInjectionTest, DiskFullIsAClearFatalErrorUntilReopen) {
  MakeStore(kPadSize, Direction::kUp);
  FaultInjectionEnv fi;
  auto store = Reopen(&fi);
  ASSERT_TRUE(store->ReserveRange("bob", 50).ok());
  fi.SetDiskFull(true);
  ASSERT_TRUE(store->ReserveRange("bob", 50).ok()) << "inside the batch (mark 150): no write";
  auto r = store->ReserveRange("bob", 60);
  ASSERT_EQ(r.status().code(), Status::Code::kNoSpace);
  EXPECT_NE(r.status().message().find("No space"), std::string::npos) << r.status().message();
  fi.SetDiskFull(false);
  EXPECT_EQ(store->ReserveRange("bob", 1).status().code(), Status::Code::kFailed)
      << "no retry after space comes back";
  store.reset();
  fi.SetDiskFull(true);
  auto full = Store::Open(store_dir(), Options(&fi));
  EXPECT_EQ(full.status().code(), Status::Code::kNoSpace) << full.status().ToString();
  fi.SetDiskFull(false);
  store = Reopen(&fi);
  auto next = store->ReserveRange("bob", 1);
  ASSERT_TRUE(next.ok());
  EXPECT_GE(next->first_index, 150u);
}

TEST_F(FaultInjectionTest, ATornJournalTailRecoversFromTheSurvivingCopy) {
  MakeStore(10000, Direction::kUp);
  {
    auto store = Reopen(Env::Default());
    auto p = store->BeginDecrypt("bob", 9999, 20);
    ASSERT_TRUE(p.ok());
    ASSERT_TRUE(store->CommitDecrypt(*p).ok());
    store->AbandonForTesting();
  }
  // The decrypt record pair is the tail: cut copy 1 in half.
  const std::string journal = contact_file("journal");
  std::filesystem::resize_file(journal, std::filesystem::file_size(journal) - 24);
  auto store = Reopen(Env::Default());
  EXPECT_EQ(store->BeginDecrypt("bob", 9999, 20).status().code(), Status::Code::kReplay);
  store.reset();
  EXPECT_NE(ReadText(contact_file("audit.log"))
                .find("JOURNAL_DAMAGE peer=bob ranges=1 bytes=24 kind=torn_tail"),
            std::string::npos)
      << ReadText(contact_file("audit.log"));
  auto scan = ScanJournal(*Env::Default(), journal);
  EXPECT_TRUE(scan->damage.empty()) << "the reopen rewrote the journal";
}

TEST_F(FaultInjectionTest, ABitFlippedRecordLosesNothing) {
  MakeStore(kPadSize, Direction::kUp);
  {
    auto store = Reopen(Env::Default());
    ASSERT_TRUE(store->ReserveRange("bob", 30).ok());  // mark 130
    auto p = store->BeginDecrypt("bob", 9999, 20);
    ASSERT_TRUE(p.ok());
    ASSERT_TRUE(store->CommitDecrypt(*p).ok());
    store->AbandonForTesting();
  }
  const std::string journal = contact_file("journal");
  auto scan = ScanJournal(*Env::Default(), journal);
  ASSERT_TRUE(scan.ok());
  // Flip a bit in copy 0 of the mark and of the decrypt record.
  for (const JournalRecord& r : scan->records) {
    if ((r.type == RecordType::kMark || r.type == RecordType::kDecrypt) && r.copy == 0) {
      FlipByte(journal, r.offset + kRecordHeaderSize + 2);
    }
  }
  auto store = Reopen(Env::Default());
  EXPECT_EQ(store->BeginDecrypt("bob", 9990, 1).status().code(), Status::Code::kReplay);
  auto r = store->ReserveRange("bob", 1);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->first_index, 130u);
  store.reset();
  EXPECT_NE(ReadText(contact_file("audit.log")).find("kind=hole"), std::string::npos);
}

TEST_F(FaultInjectionTest, AFailedPadWriteWhileBurningIsFatalAndBurnedOnReopen) {
  MakeStore(kPadSize, Direction::kUp);
  FaultInjectionEnv fi;
  auto store = Reopen(&fi);
  auto r = store->ReserveRange("bob", 40);
  ASSERT_TRUE(r.ok());
  ASSERT_TRUE(store->MarkUsed(*r).ok());
  fi.FailNthWrite(1, EIO, "/pad");
  Status s = store->Flush();
  EXPECT_EQ(s.code(), Status::Code::kIOError);
  EXPECT_NE(s.message().find("burning pad of bob"), std::string::npos) << s.message();
  EXPECT_EQ(store->ReserveRange("bob", 1).status().code(), Status::Code::kFailed);
  store.reset();
  store = Reopen(Env::Default());
  EXPECT_TRUE(testing::AllZero(testing::ReadRaw(pad_path(), 0, 140)));
}

TEST_F(FaultInjectionTest, AFailedCheckpointKeepsTheOldJournal) {
  MakeStore(kPadSize, Direction::kUp);
  FaultInjectionEnv fi;
  auto store = Reopen(&fi);
  ASSERT_TRUE(store->ReserveRange("bob", 10).ok());
  auto p = store->BeginDecrypt("bob", 9999, 20);
  ASSERT_TRUE(store->CommitDecrypt(*p).ok());
  fi.FailNthSync(1, EIO, "journal.tmp");
  EXPECT_EQ(store->Checkpoint().code(), Status::Code::kIOError);
  EXPECT_EQ(store->ReserveRange("bob", 1).status().code(), Status::Code::kFailed);
  store.reset();
  fi.SimulatePowerLoss();
  store = Reopen(&fi);
  EXPECT_EQ(store->BeginDecrypt("bob", 9999, 1).status().code(), Status::Code::kReplay);
  auto r = store->ReserveRange("bob", 1);
  ASSERT_TRUE(r.ok());
  EXPECT_GE(r->first_index, 110u);
}

// Random sessions ended by power losses: every range handed out and every decrypt
// acknowledged before the loss must stay used. The base Env skips real fsyncs (the
// FaultInjectionEnv itself models which writes survive), which keeps this fast.
TEST_F(FaultInjectionTest, RandomPowerLossesNeverLoseAnAcknowledgedUse) {
  testing::NoSyncEnv fast;
  const int kRounds = 60;
  for (int round = 0; round < kRounds; ++round) {
    std::filesystem::remove_all(store_dir());
    // Own half [512K, 1M) handed out downward; the peer's [0, 512K) decrypted upward.
    MakeStore(1 << 20, Direction::kDown);
    std::mt19937_64 rng(round);
    FaultInjectionEnv fi(&fast);
    StoreOptions options = Options(&fi);
    options.reserve_batch = 1 + rng() % 300;
    options.burn_batch = 1 + rng() % 2000;
    options.checkpoint_bytes = 256 + rng() % 4096;
    uint64_t lowest_handed_out = 1 << 20;  // direction -1 hands out downward
    std::vector<IndexRange> decrypted;
    uint64_t peer_next = 0;
    for (int session = 0; session < 3; ++session) {
      auto store = Store::Open(store_dir(), options);
      ASSERT_TRUE(store.ok()) << store.status().ToString();
      // Everything acknowledged before is still used.
      for (const IndexRange& d : decrypted) {
        ASSERT_EQ((*store)->BeginDecrypt("bob", d.lo, d.size()).status().code(),
                  Status::Code::kReplay)
            << "round " << round << " lost decrypt " << ToString(d);
      }
      int ops = 1 + rng() % 40;
      for (int i = 0; i < ops; ++i) {
        switch (rng() % 4) {
          case 0:
          case 1: {
            auto r = (*store)->ReserveRange("bob", 1 + rng() % 64);
            ASSERT_TRUE(r.ok()) << r.status().ToString();
            ASSERT_LE(r->indices.hi, lowest_handed_out) << "round " << round << ": reused pad";
            lowest_handed_out = r->indices.lo;
            if (rng() % 2) {
              ASSERT_TRUE((*store)->MarkUsed(*r).ok());
            }
            break;
          }
          case 2: {
            uint64_t len = 1 + rng() % 50;
            peer_next += rng() % 3 == 0 ? rng() % 100 : 0;  // sometimes skip
            auto p = (*store)->BeginDecrypt("bob", peer_next, len);
            ASSERT_TRUE(p.ok()) << "round " << round << ": " << p.status().ToString();
            ASSERT_TRUE((*store)->CommitDecrypt(*p).ok());
            decrypted.push_back(p->indices);
            peer_next += len;
            break;
          }
          case 3:
            if (rng() % 4 == 0) {
              ASSERT_TRUE((*store)->Flush().ok());
            }
            break;
        }
      }
      (*store)->AbandonForTesting();
      fi.SimulatePowerLoss(rng() % 2 ? FaultInjectionEnv::PowerLossMode::kDropUnsynced
                                     : FaultInjectionEnv::PowerLossMode::kTearLastWrite);
    }
  }
}

}  // namespace
}  // namespace otc::padstore
