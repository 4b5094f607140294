// Store: reservation, stream order, decrypt log (replay / skip / late / integrity),
// range checks, exhaustion, burning, locking, registration.
#include "padstore/store.h"

#include <unistd.h>

#include <thread>

#include "padstore/uid.h"
#include "tests/padstore/no_sync_env.h"
#include "tests/padstore/test_pad.h"

namespace otc::padstore {
namespace {

using testing::PadBytes;
using testing::ReadRaw;
using testing::ReadText;
using testing::Reversed;
using testing::ToVector;

class StoreTest : public testing::StoreFixture {};

TEST(UidTest, AcceptsTheAllowedAlphabetOnly) {
  EXPECT_TRUE(ValidateUid("bob").ok());
  EXPECT_TRUE(ValidateUid("a.b-c_9").ok());
  EXPECT_TRUE(ValidateUid(std::string(64, 'x')).ok());
  for (const char* bad : {"", ".", "..", "Bob", "a/b", "../etc", "a b", "é", "a\nb"}) {
    Status s = ValidateUid(bad, "peer uid");
    EXPECT_EQ(s.code(), Status::Code::kInvalidArgument) << bad;
    EXPECT_NE(s.message().find("peer uid"), std::string::npos);
  }
  EXPECT_FALSE(ValidateUid(std::string(65, 'x')).ok());
  EXPECT_FALSE(ValidateUid(std::string("a\0b", 3)).ok());
}

TEST_F(StoreTest, InitIsIdempotentForTheSameUserOnly) {
  ASSERT_TRUE(Store::Init(store_dir(), "alice").ok());
  EXPECT_TRUE(Store::Init(store_dir(), "alice").ok());
  Status s = Store::Init(store_dir(), "carol");
  EXPECT_EQ(s.code(), Status::Code::kAlreadyExists);
  EXPECT_NE(s.message().find("belongs to alice"), std::string::npos) << s.message();
  EXPECT_EQ(Store::Init(dir_.File("x"), "../evil").code(), Status::Code::kInvalidArgument);
  auto missing = Store::Open(dir_.File("nothing-here"));
  EXPECT_EQ(missing.status().code(), Status::Code::kNotFound);
}

TEST_F(StoreTest, DirectionPlusOneStreamsUpwardFromZero) {
  MakeStore(1000, Direction::kUp);
  auto store = OpenStore();
  auto r1 = store->Reserve("bob", 10);
  ASSERT_TRUE(r1.ok()) << r1.status().ToString();
  EXPECT_EQ(r1->range.first_index, 0u);
  EXPECT_EQ(r1->range.indices, (IndexRange{0, 10}));
  EXPECT_EQ(ToVector(r1->pad), PadBytes(kSeed, 0, 10));
  auto r2 = store->Reserve("bob", 20);
  ASSERT_TRUE(r2.ok());
  EXPECT_EQ(r2->range.first_index, 10u);
  EXPECT_EQ(ToVector(r2->pad), PadBytes(kSeed, 10, 30));
}

TEST_F(StoreTest, DirectionMinusOneStreamsDownwardFromTheTop) {
  MakeStore(1000, Direction::kDown);
  auto store = OpenStore();
  auto r1 = store->Reserve("bob", 10);
  ASSERT_TRUE(r1.ok()) << r1.status().ToString();
  // Reservation of L at top T covers [T-L+1, T]; the package index is T.
  EXPECT_EQ(r1->range.first_index, 999u);
  EXPECT_EQ(r1->range.indices, (IndexRange{990, 1000}));
  EXPECT_EQ(ToVector(r1->pad), Reversed(PadBytes(kSeed, 990, 1000)));
  auto r2 = store->Reserve("bob", 5);
  ASSERT_TRUE(r2.ok());
  EXPECT_EQ(r2->range.first_index, 989u);
  EXPECT_EQ(r2->range.indices, (IndexRange{985, 990}));
}

TEST_F(StoreTest, CleanCloseResumesExactlyAndACrashSkipsTheBatch) {
  MakeStore(12800, Direction::kUp);  // a 6400-byte half: the batch of 100 is 1/64, not capped
  StoreOptions options;
  options.reserve_batch = 100;
  {
    auto store = OpenStore(options);
    ASSERT_TRUE(store->ReserveRange("bob", 10).ok());
    ASSERT_TRUE(store->Close().ok());
  }
  {
    auto store = OpenStore(options);
    auto r = store->ReserveRange("bob", 10);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->first_index, 10u) << "a clean close keeps the rest of the batch";
    // Mark is now 20 + 100 = 120. Crash.
    store->AbandonForTesting();
  }
  {
    auto store = OpenStore(options);
    auto r = store->ReserveRange("bob", 10);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->first_index, 120u) << "after a crash everything below the mark is used";
    auto info = store->Info("bob");
    ASSERT_TRUE(info.ok());
    EXPECT_EQ(info->own_used, 130u);
    EXPECT_EQ(info->own_left, 6400u - 130u);
  }
}

TEST_F(StoreTest, ExhaustionNamesThePeerAndConsumesNothing) {
  MakeStore(1000, Direction::kUp);  // own half: 500 bytes
  auto store = OpenStore();
  ASSERT_TRUE(store->ReserveRange("bob", 495).ok());
  auto r = store->ReserveRange("bob", 10);
  ASSERT_EQ(r.status().code(), Status::Code::kExhausted);
  EXPECT_NE(r.status().message().find("bob"), std::string::npos) << r.status().message();
  EXPECT_NE(r.status().message().find("5 bytes"), std::string::npos) << r.status().message();
  auto last = store->ReserveRange("bob", 5);
  ASSERT_TRUE(last.ok()) << last.status().ToString();
  EXPECT_EQ(last->indices, (IndexRange{495, 500}));
  EXPECT_EQ(store->ReserveRange("bob", 1).status().code(), Status::Code::kExhausted);
  EXPECT_EQ(store->ReserveRange("bob", 0).status().code(), Status::Code::kInvalidArgument);
}

TEST_F(StoreTest, UnknownPeerOwnerAndBadUidsAreRejected) {
  MakeStore(1000, Direction::kUp);
  auto store = OpenStore();
  EXPECT_EQ(store->ReserveRange("carol", 1).status().code(), Status::Code::kNotFound);
  EXPECT_EQ(store->BeginDecrypt("carol", 600, 1).status().code(), Status::Code::kNotFound);
  EXPECT_EQ(store->ReserveRange("../bob", 1).status().code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(store->ReserveRange("alice", 1).status().code(), Status::Code::kInvalidArgument);
  auto claim = store->BeginDecrypt("alice", 600, 10);
  EXPECT_EQ(claim.status().code(), Status::Code::kInvalidArgument);
  store.reset();
  std::string audit = ReadText(store_dir() + "/audit.log");
  EXPECT_NE(audit.find("OWNER_CLAIM peer=alice"), std::string::npos) << audit;
  EXPECT_NE(audit.find("UNKNOWN_PEER peer=carol"), std::string::npos) << audit;
}

TEST_F(StoreTest, RangesOutsideTheSendersHalfAreRejectedBeforeAnyRead) {
  MakeStore(1000, Direction::kUp);  // bob (peer) has direction -1: half [500, 1000)
  auto store = OpenStore();
  // In the owner's own half: would make the device XOR its sending pad into an answer.
  EXPECT_EQ(store->BeginDecrypt("bob", 10, 5).status().code(), Status::Code::kInvalidArgument);
  // Crosses the split downward: first index 502, length 5 covers [498, 503).
  EXPECT_EQ(store->BeginDecrypt("bob", 502, 5).status().code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(store->BeginDecrypt("bob", 1000, 1).status().code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(store->BeginDecrypt("bob", UINT64_MAX, UINT64_MAX).status().code(),
            Status::Code::kInvalidArgument);
  EXPECT_EQ(store->BeginDecrypt("bob", 999, 0).status().code(), Status::Code::kInvalidArgument);
  // Exactly the lowest bytes of bob's half are fine: first 504, length 5 = [500, 505).
  auto ok = store->BeginDecrypt("bob", 504, 5);
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ(ok->indices, (IndexRange{500, 505}));
  store.reset();
  std::string audit = ReadText(contact_file("audit.log"));
  EXPECT_NE(audit.find("RANGE peer=bob first_index=10 length=5"), std::string::npos) << audit;
}

TEST_F(StoreTest, DecryptReadsThePeersStreamAndRefusesReplays) {
  MakeStore(1000, Direction::kUp);  // peer streams downward from 999
  auto store = OpenStore();
  auto p = store->BeginDecrypt("bob", 999, 10);
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  auto pad = store->ReadPad(*p);
  ASSERT_TRUE(pad.ok());
  EXPECT_EQ(ToVector(*pad), Reversed(PadBytes(kSeed, 990, 1000)));
  auto d = store->CommitDecrypt(*p);
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(d->skipped, 0u);
  EXPECT_FALSE(d->late);
  // The same package again, and one overlapping it by a byte.
  EXPECT_EQ(store->BeginDecrypt("bob", 999, 10).status().code(), Status::Code::kReplay);
  EXPECT_EQ(store->BeginDecrypt("bob", 990, 3).status().code(), Status::Code::kReplay);
  // The next one in sequence is fine.
  auto next = store->BeginDecrypt("bob", 989, 4);
  ASSERT_TRUE(next.ok());
  ASSERT_TRUE(store->CommitDecrypt(*next).ok());
  store.reset();
  // Replays stay refused after a reopen.
  store = OpenStore();
  EXPECT_EQ(store->BeginDecrypt("bob", 999, 1).status().code(), Status::Code::kReplay);
  EXPECT_EQ(store->BeginDecrypt("bob", 986, 1).status().code(), Status::Code::kReplay);
  auto info = store->Info("bob");
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->decrypted, 14u);
  store.reset();
  std::string audit = ReadText(contact_file("audit.log"));
  EXPECT_NE(audit.find("REPLAY peer=bob first_index=999 length=10"), std::string::npos) << audit;
}

TEST_F(StoreTest, ConcurrentDuplicateCommitsOnlyOnce) {
  MakeStore(1000, Direction::kDown);  // peer has direction +1: half [0, 500)
  auto store = OpenStore();
  auto a = store->BeginDecrypt("bob", 0, 8);
  auto b = store->BeginDecrypt("bob", 0, 8);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_TRUE(store->CommitDecrypt(*a).ok());
  EXPECT_EQ(store->CommitDecrypt(*b).status().code(), Status::Code::kReplay);
}

TEST_F(StoreTest, SkipIsReportedAndALateMessageFillsTheGap) {
  MakeStore(1000, Direction::kDown);  // peer streams upward from 0
  auto store = OpenStore();
  auto first = store->BeginDecrypt("bob", 0, 10);
  ASSERT_TRUE(first.ok());
  ASSERT_TRUE(store->CommitDecrypt(*first).ok());
  // Messages [10, 30) and [30, 50) are dropped; [50, 60) arrives.
  auto jump = store->BeginDecrypt("bob", 50, 10);
  ASSERT_TRUE(jump.ok());
  auto d = store->CommitDecrypt(*jump);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->skipped, 40u);
  EXPECT_FALSE(d->late);
  auto info = store->Info("bob");
  EXPECT_EQ(info->peer_skipped, 40u);
  // [30, 50) arrives late: no new skip, reported late.
  auto late = store->BeginDecrypt("bob", 30, 20);
  ASSERT_TRUE(late.ok());
  auto l = store->CommitDecrypt(*late);
  ASSERT_TRUE(l.ok());
  EXPECT_TRUE(l->late);
  EXPECT_EQ(l->skipped, 0u);
  EXPECT_EQ(store->Info("bob")->peer_skipped, 20u);
  // Late but overlapping what is already decrypted is still a replay.
  EXPECT_EQ(store->BeginDecrypt("bob", 25, 10).status().code(), Status::Code::kReplay);
  store.reset();
  std::string audit = ReadText(contact_file("audit.log"));
  EXPECT_NE(audit.find("SKIP peer=bob first_index=50 length=10 range=[50, 60) skipped=40"),
            std::string::npos)
      << audit;
  EXPECT_NE(audit.find("LATE peer=bob first_index=30"), std::string::npos) << audit;
}

TEST_F(StoreTest, SkipIsMeasuredDownwardForADirectionMinusOnePeer) {
  MakeStore(1000, Direction::kUp);  // peer streams downward from 999
  auto store = OpenStore();
  auto p = store->BeginDecrypt("bob", 989, 10);  // [980, 990): skips 999..990
  ASSERT_TRUE(p.ok());
  auto d = store->CommitDecrypt(*p);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->skipped, 10u);
  auto late = store->BeginDecrypt("bob", 999, 10);
  ASSERT_TRUE(late.ok());
  auto l = store->CommitDecrypt(*late);
  ASSERT_TRUE(l.ok());
  EXPECT_TRUE(l->late);
}

TEST_F(StoreTest, IntegrityFailureConsumesNothingAndIsLogged) {
  MakeStore(1000, Direction::kDown);
  auto store = OpenStore();
  auto p = store->BeginDecrypt("bob", 100, 10);
  ASSERT_TRUE(p.ok());
  ASSERT_TRUE(store->ReadPad(*p).ok());
  ASSERT_TRUE(store->RecordIntegrityFailure(*p).ok());
  auto info = store->Info("bob");
  EXPECT_EQ(info->decrypted, 0u);
  EXPECT_EQ(info->peer_skipped, 0u);
  EXPECT_EQ(info->integrity_failures, 1u);
  // The genuine message for the same range still decrypts, with no skip recorded.
  auto again = store->BeginDecrypt("bob", 0, 100);
  ASSERT_TRUE(again.ok());
  auto d = store->CommitDecrypt(*again);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->skipped, 0u);
  auto genuine = store->BeginDecrypt("bob", 100, 10);
  ASSERT_TRUE(genuine.ok()) << genuine.status().ToString();
  store.reset();
  EXPECT_NE(
      ReadText(contact_file("audit.log")).find("INTEGRITY peer=bob first_index=100 length=10"),
      std::string::npos);
}

TEST_F(StoreTest, UsedPadIsBurnedAndCannotBeReadAgain) {
  MakeStore(4000, Direction::kUp);
  StoreOptions options;
  options.burn_batch = 1 << 20;  // only Flush burns
  auto store = OpenStore(options);
  auto r = store->ReserveRange("bob", 100);
  ASSERT_TRUE(r.ok());
  ASSERT_TRUE(store->ReadPad(*r).ok());
  ASSERT_TRUE(store->MarkUsed(*r).ok());
  EXPECT_EQ(store->ReadPad(*r).status().code(), Status::Code::kInvalidArgument);
  auto p = store->BeginDecrypt("bob", 3999, 50);
  ASSERT_TRUE(p.ok());
  ASSERT_TRUE(store->CommitDecrypt(*p).ok());
  EXPECT_EQ(PadBytes(kSeed, 0, 100), ReadRaw(pad_path(), 0, 100)) << "batched: not yet burned";
  ASSERT_TRUE(store->Flush().ok());
  EXPECT_TRUE(testing::AllZero(ReadRaw(pad_path(), 0, 100)));
  EXPECT_TRUE(testing::AllZero(ReadRaw(pad_path(), 3950, 4000)));
  EXPECT_EQ(ReadRaw(pad_path(), 100, 3950), PadBytes(kSeed, 100, 3950)) << "only used pad burned";
  auto info = store->Info("bob");
  EXPECT_EQ(info->burned, 150u);
}

TEST_F(StoreTest, PunchHoleModeDeallocatesUsedPad) {
  MakeStore(1 << 20, Direction::kUp);
  StoreOptions options;
  options.burn_mode = BurnMode::kPunchHole;
  auto store = OpenStore(options);
  auto r = store->ReserveRange("bob", 64 << 10);
  ASSERT_TRUE(r.ok());
  ASSERT_TRUE(store->MarkUsed(*r).ok());
  ASSERT_TRUE(store->Flush().ok());
  EXPECT_TRUE(testing::AllZero(ReadRaw(pad_path(), 0, 64 << 10)));
  EXPECT_EQ(ReadRaw(pad_path(), 64 << 10, 65 << 10), PadBytes(kSeed, 64 << 10, 65 << 10));
}

TEST_F(StoreTest, ACrashBeforeBurningIsBurnedOnReopen) {
  MakeStore(12800, Direction::kDown);  // a 6400-byte half: the batch of 100 is not capped
  StoreOptions options;
  options.reserve_batch = 100;
  {
    auto store = OpenStore(options);
    auto r = store->Reserve("bob", 10);  // [12790, 12800), mark 110 -> [12690, 12800) used
    ASSERT_TRUE(r.ok());
    auto p = store->BeginDecrypt("bob", 0, 30);
    ASSERT_TRUE(p.ok());
    ASSERT_TRUE(store->CommitDecrypt(*p).ok());
    store->AbandonForTesting();
  }
  EXPECT_EQ(ReadRaw(pad_path(), 12790, 12800), PadBytes(kSeed, 12790, 12800));
  auto store = OpenStore(options);
  EXPECT_TRUE(testing::AllZero(ReadRaw(pad_path(), 12690, 12800)));
  EXPECT_TRUE(testing::AllZero(ReadRaw(pad_path(), 0, 30)));
  EXPECT_EQ(ReadRaw(pad_path(), 30, 12690), PadBytes(kSeed, 30, 12690));
  EXPECT_EQ(store->Info("bob")->burned, 140u);
}

TEST_F(StoreTest, ASecondOpenerIsToldWhoHoldsTheStore) {
  MakeStore(1000, Direction::kUp);
  auto store = OpenStore();
  auto second = Store::Open(store_dir());
  ASSERT_EQ(second.status().code(), Status::Code::kBusy);
  EXPECT_NE(second.status().message().find("in use by PID " + std::to_string(getpid())),
            std::string::npos)
      << second.status().message();
  store.reset();
  EXPECT_TRUE(Store::Open(store_dir()).ok());
}

TEST_F(StoreTest, ReadOnlyOpenRefusesToConsume) {
  MakeStore(1000, Direction::kUp);
  StoreOptions options;
  options.read_only = true;
  auto store = OpenStore(options);
  EXPECT_EQ(store->ReserveRange("bob", 1).status().code(), Status::Code::kDenied);
  EXPECT_EQ(store->BeginDecrypt("bob", 999, 1).status().code(), Status::Code::kDenied);
  EXPECT_TRUE(store->Info("bob").ok());
}

TEST_F(StoreTest, TheJournalStaysBoundedOverManyMessages) {
  MakeStore(1 << 20, Direction::kUp);
  testing::NoSyncEnv fast;  // growth, not durability, is under test here
  StoreOptions options;
  options.env = &fast;
  options.checkpoint_bytes = 16 << 10;
  options.reserve_batch = 4096;
  options.burn_batch = 64 << 10;
  uint64_t max_journal = 0;
  {
    auto store = OpenStore(options);
    for (int i = 0; i < 3000; ++i) {
      auto r = store->ReserveRange("bob", 16);
      ASSERT_TRUE(r.ok());
      ASSERT_TRUE(store->MarkUsed(*r).ok());
      auto p = store->BeginDecrypt("bob", (1 << 20) - 1 - 16 * i, 16);
      ASSERT_TRUE(p.ok()) << i << " " << p.status().ToString();
      ASSERT_TRUE(store->CommitDecrypt(*p).ok());
      max_journal = std::max(max_journal, store->Info("bob")->journal_bytes);
    }
    auto info = store->Info("bob");
    EXPECT_EQ(info->decrypt_intervals, 1u);
  }
  // 3000 decrypt records alone would take 3000 x 2 x 48 bytes = 288000 bytes.
  EXPECT_LT(max_journal, 40u << 10);
  EXPECT_LT(std::filesystem::file_size(contact_file("journal")), 1024u);
  auto store = OpenStore(options);
  auto info = store->Info("bob");
  EXPECT_EQ(info->own_used, 3000u * 16);
  EXPECT_EQ(info->decrypted, 3000u * 16);
  EXPECT_EQ(store->BeginDecrypt("bob", (1 << 20) - 1, 1).status().code(), Status::Code::kReplay);
}

TEST_F(StoreTest, RegistrationIsIdempotentAndASecondPadIsTheNextGeneration) {
  MakeStore(1000, Direction::kUp);
  // Same pad again (already in place): fine.
  ContactSpec spec;
  spec.peer = "bob";
  spec.pad_path = pad_path();
  spec.manifest_path = contact_file("manifest");
  spec.direction = Direction::kUp;
  auto again = RegisterContact(store_dir(), "alice", spec);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(again->meta.generation, 0u);
  // A different pad for the same peer: a renewal, its next generation (generations_test.cc).
  testing::WritePad(dir_.File("other.pad"), dir_.File("other.manifest"), 1000, 99);
  spec.pad_path = dir_.File("other.pad");
  spec.manifest_path = dir_.File("other.manifest");
  auto other = RegisterContact(store_dir(), "alice", spec);
  ASSERT_TRUE(other.ok()) << other.status().ToString();
  EXPECT_EQ(other->meta.generation, 1u);
  // The wrong owner.
  EXPECT_EQ(RegisterContact(store_dir(), "carol", spec).status().code(),
            Status::Code::kAlreadyExists);
}

TEST_F(StoreTest, RegistrationChecksTheManifestAndThePad) {
  ASSERT_TRUE(Store::Init(store_dir(), "alice").ok());
  testing::WritePad(dir_.File("p"), dir_.File("m"), 1000, 1);
  ContactSpec spec;
  spec.peer = "bob";
  spec.pad_path = dir_.File("p");
  spec.manifest_path = dir_.File("m");
  // Pad shorter than the manifest says.
  std::filesystem::resize_file(dir_.File("p"), 999);
  EXPECT_EQ(RegisterContact(store_dir(), "alice", spec).status().code(),
            Status::Code::kInvalidArgument);
  std::filesystem::resize_file(dir_.File("p"), 1000);
  // Incomplete manifest (final record cut off).
  std::filesystem::resize_file(dir_.File("m"), std::filesystem::file_size(dir_.File("m")) - 36);
  EXPECT_EQ(RegisterContact(store_dir(), "alice", spec).status().code(),
            Status::Code::kInvalidArgument);
  testing::WritePad(dir_.File("p"), dir_.File("m"), 1000, 1);
  spec.peer = "alice";
  EXPECT_EQ(RegisterContact(store_dir(), "alice", spec).status().code(),
            Status::Code::kInvalidArgument);
  spec.peer = "b/ob";
  EXPECT_EQ(RegisterContact(store_dir(), "alice", spec).status().code(),
            Status::Code::kInvalidArgument);
  spec.peer = "bob";
  spec.split = 1000;
  EXPECT_EQ(RegisterContact(store_dir(), "alice", spec).status().code(),
            Status::Code::kInvalidArgument);
  spec.split = 0;
  auto ok = RegisterContact(store_dir(), "alice", spec);
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_FALSE(std::filesystem::exists(dir_.File("p"))) << "moved into the store";
  EXPECT_EQ(std::filesystem::status(pad_path()).permissions() & std::filesystem::perms::all,
            std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  EXPECT_EQ(ok->meta.split, 500u);
}

TEST_F(StoreTest, PadgenCanWriteThePadInPlaceAndThenRegister) {
  // padgen: init (idempotent), write STORE/contacts/carol/{pad,manifest}, then register.
  ASSERT_TRUE(Store::Init(store_dir(), "alice").ok());
  ASSERT_TRUE(Store::Init(store_dir(), "alice").ok());
  std::filesystem::create_directories(store_dir() + "/contacts/carol");
  testing::WritePad(pad_path("carol"), contact_file("manifest", "carol"), 2000, kSeed);
  ContactSpec spec;
  spec.peer = "carol";
  spec.pad_path = pad_path("carol");
  spec.manifest_path = contact_file("manifest", "carol");
  spec.direction = Direction::kDown;
  spec.format = Format::kOtc1;
  auto info = RegisterContact(store_dir(), "alice", spec);
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  EXPECT_EQ(info->meta.format, Format::kOtc1);
  EXPECT_EQ(info->own_left, 1000u);
  auto store = OpenStore();
  auto r = store->Reserve("carol", 4);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(ToVector(r->pad), Reversed(PadBytes(kSeed, 1996, 2000)));
  EXPECT_EQ(store->Peers(), (std::vector<std::string>{"carol"}));
}

TEST_F(StoreTest, PadCanStayOutsideTheStoreBehindASymlink) {
  ASSERT_TRUE(Store::Init(store_dir(), "alice").ok());
  testing::WritePad(dir_.File("drive.pad"), dir_.File("drive.manifest"), 1000, kSeed);
  ContactSpec spec;
  spec.peer = "bob";
  spec.pad_path = dir_.File("drive.pad");
  spec.manifest_path = dir_.File("drive.manifest");
  spec.placement = PadPlacement::kSymlink;
  ASSERT_TRUE(RegisterContact(store_dir(), "alice", spec).ok());
  EXPECT_TRUE(std::filesystem::is_symlink(pad_path()));
  auto store = OpenStore();
  auto r = store->Reserve("bob", 20);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(ToVector(r->pad), PadBytes(kSeed, 0, 20));
  ASSERT_TRUE(store->MarkUsed(r->range).ok());
  ASSERT_TRUE(store->Close().ok());
  EXPECT_TRUE(testing::AllZero(ReadRaw(dir_.File("drive.pad"), 0, 20)));
}

TEST_F(StoreTest, PadBytesThatReadAsZerosAreRefused) {
  MakeStore(1000, Direction::kUp);
  {
    auto f = Env::Default()->OpenFile(pad_path(), {.write = true});
    std::vector<uint8_t> zeros(32, 0);
    ASSERT_TRUE(WriteFully(**f, 0, zeros).ok());
  }
  auto store = OpenStore();
  auto r = store->Reserve("bob", 32);
  EXPECT_EQ(r.status().code(), Status::Code::kCorruption);
  auto next = store->Reserve("bob", 32);
  ASSERT_TRUE(next.ok()) << "the damaged range stays used; the next one is fresh";
  EXPECT_EQ(next->range.first_index, 32u);
}

}  // namespace
}  // namespace otc::padstore
