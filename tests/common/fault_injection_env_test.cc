#include "common/fault_injection_env.h"

#include <gtest/gtest.h>

#include <cerrno>

#include "common/encoding.h"
#include "tests/common/test_dir.h"

namespace otc {
namespace {

class FaultInjectionEnvTest : public ::testing::Test {
 protected:
  std::unique_ptr<File> Open(const std::string& name) {
    auto f = env_.OpenFile(dir_.File(name), {.write = true, .create = true});
    EXPECT_TRUE(f.ok()) << f.status().ToString();
    return f.ok() ? std::move(*f) : nullptr;
  }
  // Reads through the real file system, bypassing the fault layer.
  std::string OnDisk(const std::string& name) {
    auto s = ReadFileToString(*Env::Default(), dir_.File(name));
    return s.ok() ? *s : "<missing>";
  }

  TestDir dir_;
  FaultInjectionEnv env_;
};

TEST_F(FaultInjectionEnvTest, PassesThroughWithoutFaults) {
  auto f = Open("a");
  ASSERT_TRUE(WriteFully(*f, 0, AsBytes("abc")).ok());
  ASSERT_TRUE(f->Sync().ok());
  EXPECT_EQ(OnDisk("a"), "abc");
  EXPECT_EQ(env_.writes(), 1);
  EXPECT_EQ(env_.syncs(), 1);
}

TEST_F(FaultInjectionEnvTest, FailsTheNthWriteWithTheGivenErrno) {
  auto f = Open("a");
  env_.FailNthWrite(2, EIO);
  EXPECT_TRUE(f->Write(0, AsBytes("1")).ok());
  auto second = f->Write(1, AsBytes("2"));
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), Status::Code::kIOError);
  EXPECT_TRUE(f->Write(1, AsBytes("3")).ok()) << "only the Nth write fails";
  env_.FailNthWrite(1, ENOSPC);
  EXPECT_EQ(f->Write(2, AsBytes("4")).status().code(), Status::Code::kNoSpace);
}

TEST_F(FaultInjectionEnvTest, FailsTheNthSyncAndKeepsDataUnsynced) {
  auto f = Open("a");
  ASSERT_TRUE(WriteFully(*f, 0, AsBytes("data")).ok());
  env_.FailNthSync(1);
  EXPECT_EQ(f->Sync().code(), Status::Code::kIOError);
  env_.SimulatePowerLoss();
  EXPECT_EQ(OnDisk("a"), "<missing>") << "a failed fsync makes nothing durable";
}

TEST_F(FaultInjectionEnvTest, PathFilterLimitsTheFault) {
  auto journal = Open("journal");
  auto other = Open("other");
  env_.FailNthWrite(1, EIO, "journal");
  EXPECT_TRUE(other->Write(0, AsBytes("x")).ok());
  EXPECT_FALSE(journal->Write(0, AsBytes("x")).ok());
}

TEST_F(FaultInjectionEnvTest, ShortWriteReturnsAPrefixAndWriteFullyCompletes) {
  auto f = Open("a");
  env_.ShortNthWrite(1, 3);
  auto n = f->Write(0, AsBytes("abcdef"));
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 3u);
  EXPECT_EQ(OnDisk("a"), "abc");
  env_.ShortNthWrite(1, 2);
  ASSERT_TRUE(WriteFully(*f, 0, AsBytes("uvwxyz")).ok());
  EXPECT_EQ(OnDisk("a"), "uvwxyz");
}

TEST_F(FaultInjectionEnvTest, DiskFull) {
  auto f = Open("a");
  env_.SetDiskFull(true);
  EXPECT_EQ(f->Write(0, AsBytes("x")).status().code(), Status::Code::kNoSpace);
  EXPECT_EQ(f->Allocate(0, 4096).code(), Status::Code::kNoSpace);
  EXPECT_EQ(*env_.FreeSpace(dir_.path()), 0u);
  env_.ClearFaults();
  EXPECT_TRUE(f->Write(0, AsBytes("x")).ok());
}

TEST_F(FaultInjectionEnvTest, PowerLossDropsUnsyncedWritesOnly) {
  auto f = Open("a");
  ASSERT_TRUE(env_.SyncDir(dir_.path()).ok());  // the file's entry is durable
  ASSERT_TRUE(WriteFully(*f, 0, AsBytes("synced")).ok());
  ASSERT_TRUE(f->DataSync().ok());
  ASSERT_TRUE(WriteFully(*f, 6, AsBytes("+lost")).ok());
  ASSERT_TRUE(WriteFully(*f, 0, AsBytes("S")).ok());  // overwrite inside synced data
  EXPECT_EQ(OnDisk("a"), "Synced+lost");
  env_.SimulatePowerLoss(FaultInjectionEnv::PowerLossMode::kDropUnsynced);
  EXPECT_EQ(OnDisk("a"), "synced");
}

TEST_F(FaultInjectionEnvTest, PowerLossTearsTheLastWriteAtASectorBoundary) {
  auto f = Open("a");
  ASSERT_TRUE(env_.SyncDir(dir_.path()).ok());
  std::vector<uint8_t> first(100, 'a'), last(1500, 'b');
  ASSERT_TRUE(WriteFully(*f, 0, first).ok());
  ASSERT_TRUE(WriteFully(*f, 100, last).ok());  // spans [100, 1600): sectors 0..3
  env_.SimulatePowerLoss(FaultInjectionEnv::PowerLossMode::kTearLastWrite);
  std::string disk = OnDisk("a");
  // The earlier write survives; the last keeps whole sectors before its final sector
  // (which starts at 1536), so the file ends at 1536.
  ASSERT_EQ(disk.size(), 1536u);
  EXPECT_EQ(disk.substr(0, 100), std::string(100, 'a'));
  EXPECT_EQ(disk.substr(100), std::string(1436, 'b'));
}

TEST_F(FaultInjectionEnvTest, PowerLossRemovesFilesWhoseDirectoryWasNotSynced) {
  auto f = Open("new");
  ASSERT_TRUE(WriteFully(*f, 0, AsBytes("x")).ok());
  ASSERT_TRUE(f->Sync().ok());
  env_.SimulatePowerLoss();
  EXPECT_FALSE(Env::Default()->FileExists(dir_.File("new")));
}

TEST_F(FaultInjectionEnvTest, AtomicReplaceSurvivesOnlyAfterDirSync) {
  ASSERT_TRUE(WriteFileAtomically(env_, dir_.File("meta"), AsBytes("old")).ok());
  // Replace without the final directory sync: do the steps by hand.
  auto tmp = Open("meta.tmp");
  ASSERT_TRUE(WriteFully(*tmp, 0, AsBytes("new")).ok());
  ASSERT_TRUE(tmp->Sync().ok());
  ASSERT_TRUE(env_.RenameFile(dir_.File("meta.tmp"), dir_.File("meta")).ok());
  EXPECT_EQ(OnDisk("meta"), "new");
  env_.SimulatePowerLoss();
  EXPECT_EQ(OnDisk("meta"), "old");
  ASSERT_TRUE(WriteFileAtomically(env_, dir_.File("meta"), AsBytes("newer")).ok());
  env_.SimulatePowerLoss();
  EXPECT_EQ(OnDisk("meta"), "newer");
}

TEST_F(FaultInjectionEnvTest, HandlesFromBeforeAPowerLossAreDead) {
  auto f = Open("a");
  env_.SimulatePowerLoss();
  EXPECT_FALSE(f->Write(0, AsBytes("x")).ok());
  EXPECT_FALSE(f->Sync().ok());
  auto g = Open("a");
  EXPECT_TRUE(g->Write(0, AsBytes("x")).ok());
}

TEST_F(FaultInjectionEnvTest, UnsyncedTruncateAndHolePunchAreUndone) {
  auto f = Open("a");
  ASSERT_TRUE(env_.SyncDir(dir_.path()).ok());
  std::vector<uint8_t> data(8192, 0x77);
  ASSERT_TRUE(WriteFully(*f, 0, data).ok());
  ASSERT_TRUE(f->Sync().ok());
  ASSERT_TRUE(f->PunchHole(0, 4096).ok());
  ASSERT_TRUE(f->Truncate(5000).ok());
  env_.SimulatePowerLoss();
  std::string disk = OnDisk("a");
  EXPECT_EQ(disk, std::string(8192, '\x77'));
}

}  // namespace
}  // namespace otc

namespace otc {
namespace {

// Replacing a file by rename (write tmp, sync, rename, sync dir) must not let the power
// loss "undo" the replaced file's unsynced writes onto its durable successor.
TEST_F(FaultInjectionEnvTest, RenameOverAFileForgetsTheReplacedFilesUnsyncedWrites) {
  {
    auto old = Open("j");
    ASSERT_TRUE(WriteFully(*old, 0, AsBytes("old")).ok());
    ASSERT_TRUE(old->Sync().ok());
    ASSERT_TRUE(WriteFully(*old, 0, AsBytes("OLD")).ok());  // never synced
  }
  {
    auto tmp = Open("j.tmp");
    ASSERT_TRUE(WriteFully(*tmp, 0, AsBytes("new file")).ok());
    ASSERT_TRUE(tmp->Sync().ok());
  }
  ASSERT_TRUE(env_.RenameFile(dir_.File("j.tmp"), dir_.File("j")).ok());
  ASSERT_TRUE(env_.SyncDir(dir_.path()).ok());
  env_.SimulatePowerLoss();
  EXPECT_EQ(OnDisk("j"), "new file") << "the old file's pre-image must not land in the new one";
}

// A rename that is undone by the power loss brings back the replaced file as it was
// durably, without its unsynced writes.
TEST_F(FaultInjectionEnvTest, AnUndoneRenameRestoresOnlyTheReplacedFilesDurableContents) {
  {
    auto old = Open("j");
    ASSERT_TRUE(WriteFully(*old, 0, AsBytes("old")).ok());
    ASSERT_TRUE(old->Sync().ok());
    ASSERT_TRUE(WriteFully(*old, 3, AsBytes("-unsynced")).ok());
  }
  ASSERT_TRUE(env_.SyncDir(dir_.path()).ok());
  {
    auto tmp = Open("j.tmp");
    ASSERT_TRUE(WriteFully(*tmp, 0, AsBytes("new")).ok());
    ASSERT_TRUE(tmp->Sync().ok());
  }
  ASSERT_TRUE(env_.RenameFile(dir_.File("j.tmp"), dir_.File("j")).ok());
  env_.SimulatePowerLoss();  // the directory was not synced after the rename
  EXPECT_EQ(OnDisk("j"), "old");
}

}  // namespace
}  // namespace otc
