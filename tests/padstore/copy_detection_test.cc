// Copy detection: a store copied or restored from a backup refuses to package until
// `padstore recover` has moved it past the pad the original may have used; a deliberate
// `padstore move` is not taken for a copy. The copies are made by the real tools users
// run (cp -a, rsync -a, tar), not simulated.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <random>
#include <string>

#include "padstore/interval_set.h"
#include "padstore/store_move.h"
#include "tests/padstore/test_pad.h"

namespace otc::padstore::testing {
namespace {

constexpr uint64_t kPadSize = 256 * 1024;  // 128 KiB each way
constexpr uint64_t kMargin = 16 * 1024;

void Shell(const std::string& cmd) {
  int rc = std::system(cmd.c_str());
  ASSERT_EQ(rc, 0) << cmd;
}

// How a user might have copied a store, and how they put it back.
struct CopyTool {
  const char* name;
  const char* backup;   // {src} -> {dst}
  const char* restore;  // {dst} -> {src}: the backup replaces the store
};

const CopyTool kTools[] = {
    {"cp", "cp -a {src} {dst}", "rm -rf {src} && cp -a {dst} {src}"},
    {"rsync", "rsync -a {src}/ {dst}/", "rm -rf {src} && rsync -a {dst}/ {src}/"},
    {"tar", "tar -C {src} -cf {dst}.tar .",
     "rm -rf {src} && mkdir {src} && tar -C {src} -xf {dst}.tar"},
    {"mv_back", "cp -a {src} {dst}", "rm -rf {src} && mv {dst} {src}"},
};

std::string Expand(std::string cmd, const std::string& src, const std::string& dst) {
  for (auto [key, value] : {std::pair<std::string, std::string>{"{src}", src}, {"{dst}", dst}}) {
    for (size_t at; (at = cmd.find(key)) != std::string::npos;) cmd.replace(at, key.size(), value);
  }
  return cmd;
}

class CopyDetectionTest : public StoreFixture {
 protected:
  StoreOptions Options() {
    StoreOptions o;
    o.reserve_batch = 512;  // a small pad: keep crash skips small
    if (use_mirror_) o.mark_mirror_dir = dir_.File("state/marks");
    return o;
  }
  bool use_mirror_ = true;
  std::unique_ptr<Store> Open() { return OpenStore(Options()); }

  OwnRange ReserveOk(Store& store, uint64_t n) {
    Result<OwnRange> r = store.ReserveRange("bob", n);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    if (!r.ok()) return {};
    EXPECT_TRUE(store.MarkUsed(*r).ok());
    return *r;
  }

  void ExpectRefused(Store& store) {
    Result<OwnRange> r = store.ReserveRange("bob", 10);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), Status::Code::kDenied);
    EXPECT_NE(r.status().message().find("padstore recover"), std::string::npos)
        << r.status().message();
    EXPECT_TRUE(store.Info("bob")->needs_recovery);
  }
};

TEST_F(CopyDetectionTest, TheStoresOwnFilesAreNeverTakenForACopy) {
  MakeStore(kPadSize, Direction::kUp);
  for (int round = 0; round < 5; ++round) {
    auto store = Open();
    ASSERT_NE(store, nullptr);
    EXPECT_FALSE(store->Info("bob")->needs_recovery);
    ReserveOk(*store, 100);
    ASSERT_TRUE(store->Checkpoint().ok());  // a new journal file, stamped anew
    ReserveOk(*store, 100);
    ASSERT_TRUE(store->Close().ok());
  }
  // A crash (no clean close) then a reopen is not a copy either.
  auto store = Open();
  ReserveOk(*store, 100);
  store->AbandonForTesting();
  store = Open();
  EXPECT_FALSE(store->Info("bob")->needs_recovery);
  ReserveOk(*store, 100);
}

class RestoredBackupTest : public CopyDetectionTest,
                           public ::testing::WithParamInterface<CopyTool> {};

// The review's attack: back up, package with the original, restore the backup,
// package again. The restored store must not hand out the same pad.
TEST_P(RestoredBackupTest, RefusesToPackageUntilRecoveredThenSkipsPastTheOriginal) {
  const CopyTool& tool = GetParam();
  use_mirror_ = false;  // copy detection alone (the mirror has its own tests)
  MakeStore(kPadSize, Direction::kUp);
  {
    auto store = Open();
    ReserveOk(*store, 50);  // some history before the backup
    ASSERT_TRUE(store->Close().ok());
  }
  const std::string backup = dir_.File("backup");
  Shell(Expand(tool.backup, store_dir(), backup));

  OwnRange attack;
  {
    auto store = Open();
    ASSERT_FALSE(store->Info("bob")->needs_recovery);
    attack = ReserveOk(*store, 200);  // "attack at dawn!!" went out with this pad
    ASSERT_TRUE(store->Close().ok());
  }
  Shell(Expand(tool.restore, store_dir(), backup));

  {
    auto store = Open();
    ASSERT_NE(store, nullptr);
    ExpectRefused(*store);
    // Reading and decrypting still work: only packaging could reuse pad.
    const IndexRange peer_half{kPadSize / 2, kPadSize};
    Result<PeerRange> p = store->BeginDecrypt("bob", peer_half.hi - 1, 40);
    ASSERT_TRUE(p.ok()) << p.status().ToString();
    ASSERT_TRUE(store->ReadPad(*p).ok());
    ASSERT_TRUE(store->CommitDecrypt(*p).ok());
    ASSERT_TRUE(store->Close().ok());
  }
  {
    // The refusal is durable: reopening (which rewrites the journal) keeps it.
    auto store = Open();
    ExpectRefused(*store);
    ASSERT_TRUE(store->Close().ok());
  }
  {
    auto store = Open();
    RecoverOptions options;
    options.margin = kMargin;
    Result<std::vector<RecoverReport>> reports = store->Recover(options);
    ASSERT_TRUE(reports.ok()) << reports.status().ToString();
    ASSERT_EQ(reports->size(), 1u);
    EXPECT_TRUE((*reports)[0].needed);
    EXPECT_EQ((*reports)[0].skipped(), kMargin);
    OwnRange retreat = ReserveOk(*store, 200);
    EXPECT_GE(retreat.indices.lo, attack.indices.hi) << "pad reused after a restore";
    // The skipped pad is destroyed.
    EXPECT_TRUE(AllZero(ReadRaw(pad_path(), attack.indices.lo, retreat.indices.lo)));
    ASSERT_TRUE(store->Close().ok());
  }
  auto store = Open();
  EXPECT_FALSE(store->Info("bob")->needs_recovery);
  ReserveOk(*store, 10);
  const std::string audit = ReadText(contact_file("audit.log"));
  EXPECT_NE(audit.find("STORE_COPIED"), std::string::npos) << audit;
  EXPECT_NE(audit.find("RECOVERED"), std::string::npos) << audit;
}

INSTANTIATE_TEST_SUITE_P(Tools, RestoredBackupTest, ::testing::ValuesIn(kTools),
                         [](const auto& info) { return std::string(info.param.name); });

TEST_F(CopyDetectionTest, ReadOnlyOpenReportsACopyWithoutClearingIt) {
  MakeStore(kPadSize, Direction::kDown);
  Shell("cp -a " + store_dir() + " " + dir_.File("copy"));
  Shell("rm -rf " + store_dir() + " && mv " + dir_.File("copy") + " " + store_dir());
  StoreOptions ro = Options();
  ro.read_only = true;
  {
    auto store = OpenStore(ro);
    EXPECT_TRUE(store->Info("bob")->needs_recovery);
  }
  auto store = Open();
  ExpectRefused(*store);
}

TEST_F(CopyDetectionTest, RecoverLeavesContactsThatWereNotCopiedAloneUnlessForced) {
  MakeStore(kPadSize, Direction::kUp);
  auto store = Open();
  OwnRange before = ReserveOk(*store, 100);
  RecoverOptions options;
  options.margin = kMargin;
  Result<std::vector<RecoverReport>> r = store->Recover(options);
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE((*r)[0].needed);
  EXPECT_EQ((*r)[0].skipped(), 0u);
  EXPECT_EQ(ReserveOk(*store, 10).indices.lo, before.indices.hi);

  options.force = true;
  r = store->Recover(options);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE((*r)[0].needed);
  EXPECT_GE(ReserveOk(*store, 10).indices.lo, before.indices.hi + 10 + kMargin - 512);
}

TEST_F(CopyDetectionTest, RecoverNeverPassesTheEndOfTheHalf) {
  MakeStore(kPadSize, Direction::kUp);
  Shell("cp -a " + store_dir() + " " + dir_.File("copy"));
  Shell("rm -rf " + store_dir() + " && mv " + dir_.File("copy") + " " + store_dir());
  auto store = Open();
  RecoverOptions options;  // default margin: at least 1 MiB, more than the half
  Result<std::vector<RecoverReport>> r = store->Recover(options);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ((*r)[0].new_mark, kPadSize / 2);
  Result<OwnRange> none = store->ReserveRange("bob", 1);
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.status().code(), Status::Code::kExhausted);
}

TEST_F(CopyDetectionTest, MoveWithinAFileSystemIsNotACopy) {
  MakeStore(kPadSize, Direction::kUp);
  {
    auto store = Open();
    ReserveOk(*store, 100);
  }
  const std::string moved = dir_.File("moved");
  ASSERT_TRUE(MoveStore(store_dir(), moved).ok());
  EXPECT_FALSE(std::filesystem::exists(store_dir()));
  auto store = Store::Open(moved, Options());
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  EXPECT_FALSE((*store)->Info("bob")->needs_recovery);
  EXPECT_EQ((*store)->Info("bob")->own_used, 100u);
  EXPECT_TRUE((*store)->ReserveRange("bob", 10).ok());
}

TEST_F(CopyDetectionTest, MoveToAnotherFileSystemCopiesAdoptsAndRemovesTheOld) {
  TestDir in_memory(TestDir::Place::kMemoryIfPossible);
  if (in_memory.path().rfind("/dev/shm/", 0) != 0) GTEST_SKIP() << "no /dev/shm (tmpfs) here";
  const std::string other_fs = in_memory.path();
  MakeStore(kPadSize, Direction::kUp);
  OwnRange used;
  {
    auto store = Open();
    used = ReserveOk(*store, 100);
  }
  const std::vector<uint8_t> unused_pad = ReadRaw(pad_path(), used.indices.hi, kPadSize);
  const std::string moved = other_fs + "/store";
  Status s = MoveStore(store_dir(), moved);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_FALSE(std::filesystem::exists(store_dir()));
  EXPECT_EQ(ReadRaw(moved + "/contacts/bob/pad", used.indices.hi, kPadSize), unused_pad);
  {
    auto store = Store::Open(moved, Options());
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    EXPECT_FALSE((*store)->Info("bob")->needs_recovery);
    Result<OwnRange> next = (*store)->ReserveRange("bob", 10);
    ASSERT_TRUE(next.ok()) << next.status().ToString();
    EXPECT_EQ(next->indices.lo, used.indices.hi);
  }
  EXPECT_NE(ReadText(moved + "/contacts/bob/audit.log").find("STORE_MOVED"), std::string::npos);
  // A copy of the moved store is still caught.
  Shell("cp -a " + moved + " " + other_fs + "/copy");
  auto copy = Store::Open(other_fs + "/copy", Options());
  ASSERT_TRUE(copy.ok());
  ExpectRefused(**copy);
  copy->reset();
  std::filesystem::remove_all(other_fs);
}

// A restore that keeps inodes and birth times (a block-level snapshot of the file system,
// here a hard link to the old journal file) looks like the store's own files; the mark
// mirror outside the store catches it, and recover skips past what the original used.
TEST_F(CopyDetectionTest, InodePreservingRestoreIsCaughtByTheMarkMirror) {
  MakeStore(kPadSize, Direction::kUp);
  {
    auto store = Open();
    ReserveOk(*store, 50);
    ASSERT_TRUE(store->Close().ok());
  }
  const std::string journal = contact_file("journal");
  Shell("ln " + journal + " " + dir_.File("journal.snapshot"));
  OwnRange attack;
  {
    auto store = Open();  // rewrites the journal: the snapshot keeps the old file
    attack = ReserveOk(*store, 3000);
    ASSERT_TRUE(store->Close().ok());
  }
  Shell("mv " + dir_.File("journal.snapshot") + " " + journal);
  auto store = Open();
  ExpectRefused(*store);
  RecoverOptions options;
  options.margin = 1;  // the mirror knows how far the original went
  ASSERT_TRUE(store->Recover(options).ok());
  OwnRange retreat = ReserveOk(*store, 100);
  EXPECT_GE(retreat.indices.lo, attack.indices.hi) << "pad reused after an inode-keeping restore";
}

// Two copies of one store open at once: the copy recovers and packages; the original,
// when it next moves its mark, finds the mirror ahead and stops packaging too.
TEST_F(CopyDetectionTest, TwoCopiesInUseAtOnceStopEachOther) {
  MakeStore(kPadSize, Direction::kUp);
  const std::string copy_dir = dir_.File("copy");
  Shell("cp -a " + store_dir() + " " + copy_dir);
  auto original = Open();
  OwnRange a = ReserveOk(*original, 100);
  auto copy = Store::Open(copy_dir, Options());
  ASSERT_TRUE(copy.ok());
  ExpectRefused(**copy);
  RecoverOptions options;
  options.margin = 1;
  ASSERT_TRUE((*copy)->Recover(options).ok());
  OwnRange c = ReserveOk(**copy, 2000);  // past the copy's first batch: the mirror moves
  EXPECT_GE(c.indices.lo, a.indices.hi);
  // The original still has part of its batch; past it, it must look at the mirror.
  Result<OwnRange> more = original->ReserveRange("bob", 1000);
  ASSERT_FALSE(more.ok()) << "the original packaged over the copy's pad: "
                          << ToString(more->indices);
  EXPECT_EQ(more.status().code(), Status::Code::kDenied);
  EXPECT_TRUE(original->Info("bob")->needs_recovery);
}

// Random interleavings of packaging, backing up (with every tool), restoring any backup,
// reopening and recovering. Whatever the order, no pad byte is ever handed out twice.
// The mark mirror lives outside the store (as the device keeps it), so it is never
// restored with it; recover starts from it, so even a tiny margin is enough.
TEST_F(CopyDetectionTest, RandomBackupsRestoresAndRecoveriesNeverReusePad) {
  MakeStore(kPadSize, Direction::kUp);
  const uint64_t seed = ::testing::UnitTest::GetInstance()->random_seed();
  std::mt19937_64 rng(seed);
  SCOPED_TRACE("random seed " + std::to_string(seed) + " (rerun with --gtest_random_seed)");
  IntervalSet handed_out;
  std::vector<std::string> backups;
  std::unique_ptr<Store> store = Open();
  int refused = 0, recoveries = 0;
  for (int step = 0; step < 60; ++step) {
    const int op = static_cast<int>(rng() % 11);
    if (std::getenv("OTC_TRACE_OPS")) {
      std::fprintf(stderr, "step %d op %d own_used %llu\n", step, op,
                   static_cast<unsigned long long>(store->Info("bob")->own_used));
    }
    if (op < 5) {  // package
      Result<OwnRange> r = store->ReserveRange("bob", 1 + rng() % 64);
      if (!r.ok()) {
        ASSERT_EQ(r.status().code(), Status::Code::kDenied) << r.status().ToString();
        ++refused;
        continue;
      }
      ASSERT_FALSE(handed_out.Overlaps(r->indices))
          << "step " << step << ": pad " << ToString(r->indices) << " handed out twice";
      handed_out.Insert(r->indices);
      ASSERT_TRUE(store->MarkUsed(*r).ok());
    } else if (op < 7) {  // back up (the store is closed for it, as users do)
      ASSERT_TRUE(store->Close().ok());
      const CopyTool& tool = kTools[rng() % 3];
      const std::string b = dir_.File("b" + std::to_string(backups.size()));
      Shell(Expand(tool.backup, store_dir(), b));
      backups.push_back(std::string(tool.name) + ":" + b);
      store = Open();
    } else if (op < 8 && !backups.empty()) {  // restore any backup
      ASSERT_TRUE(store->Close().ok());
      const std::string& pick = backups[rng() % backups.size()];
      const std::string name = pick.substr(0, pick.find(':')),
                        path = pick.substr(pick.find(':') + 1);
      const std::string copy = dir_.File("restoring");
      // Restore from a copy of the backup, so the backup itself stays for later.
      if (name == "links") {
        Shell("rm -rf " + store_dir() + " && cp -al " + path + " " + store_dir());
      } else if (name == "tar") {
        Shell("rm -rf " + store_dir() + " && mkdir " + store_dir() + " && tar -C " + store_dir() +
              " -xf " + path + ".tar");
      } else {
        Shell("rm -rf " + copy + " && cp -a " + path + " " + copy + " && rm -rf " + store_dir() +
              " && mv " + copy + " " + store_dir());
      }
      store = Open();
      ASSERT_NE(store, nullptr);
    } else if (op < 9) {  // recover
      RecoverOptions options;
      options.margin = 1 + rng() % 64;
      ASSERT_TRUE(store->Recover(options).ok());
      ++recoveries;
    } else if (op < 10) {  // crash and reopen
      store->AbandonForTesting();
      store = Open();
    } else {  // an inode-keeping snapshot now, restored at once or later
      ASSERT_TRUE(store->Close().ok());
      const std::string snap = dir_.File("links" + std::to_string(step));
      Shell("cp -al " + store_dir() + " " + snap);
      backups.push_back("links:" + snap);
      store = Open();
    }
  }
  RecordProperty("refused", refused);
  RecordProperty("recoveries", recoveries);
}

}  // namespace
}  // namespace otc::padstore::testing
