// The outbox file: append, acknowledge, reopen, compaction, damage on disk and injected
// write/fsync failures (FaultInjectionEnv).
#include "chat/client/outbox.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/fault_injection_env.h"

namespace otc::client {
namespace {

std::string ReadAll(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

void WriteAll(const std::string& path, const std::string& bytes) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f << bytes;
}

std::vector<std::string> DamagedCopies(const std::string& dir) {
  std::vector<std::string> out;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    if (e.path().filename().string().find(".damaged-") != std::string::npos) {
      out.push_back(e.path().string());
    }
  }
  return out;
}

OutboxEntry Entry(const std::string& to, uint64_t index) {
  OutboxEntry e;
  e.to = to;
  e.index = index;
  e.queued_unix = 1700000000 + static_cast<int64_t>(index);
  e.package_b64 = "b3RjMgAB" + std::to_string(index);
  return e;
}

std::vector<uint64_t> Indices(const std::vector<OutboxEntry>& v) {
  std::vector<uint64_t> out;
  for (const OutboxEntry& e : v) out.push_back(e.index);
  return out;
}

class OutboxTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/otc-outbox-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    root_ = tmpl;
    path_ = OutboxPath(root_ + "/state/otc", "alice");
  }
  void TearDown() override { std::filesystem::remove_all(root_); }

  // Appends entries with these pad indices under the lock; returns their ids.
  std::vector<uint64_t> AppendAll(Outbox& box, std::vector<uint64_t> indices) {
    auto lock = box.Lock(std::chrono::seconds(1));
    EXPECT_TRUE(lock.ok()) << lock.status().ToString();
    std::vector<uint64_t> ids;
    for (uint64_t i : indices) {
      OutboxEntry e = Entry(i % 2 ? "bob" : "carol", i);
      Status s = box.Append(e);
      EXPECT_TRUE(s.ok()) << s.ToString();
      ids.push_back(e.id);
    }
    return ids;
  }

  std::string root_;
  std::string path_;
};

TEST(OutboxFormatTest, Crc32cIsTheCastagnoliChecksum) {
  // The standard check value of CRC-32C (RFC 3720, appendix B.4).
  EXPECT_EQ(OutboxCrc32c("123456789"), 0xe3069283u);
}

TEST(OutboxFormatTest, StateDirFollowsOtcStateDirThenXdgThenHome) {
  auto env_of = [](std::map<std::string, std::string> m) {
    return [m](const char* n) -> std::optional<std::string> {
      auto it = m.find(n);
      if (it == m.end()) return std::nullopt;
      return it->second;
    };
  };
  EXPECT_EQ(*ResolveStateDir(env_of({{"OTC_STATE_DIR", "/s"}, {"HOME", "/h"}})), "/s");
  EXPECT_EQ(*ResolveStateDir(env_of({{"XDG_STATE_HOME", "/x"}, {"HOME", "/h"}})), "/x/otc");
  EXPECT_EQ(*ResolveStateDir(env_of({{"HOME", "/h"}})), "/h/.local/state/otc");
  EXPECT_FALSE(ResolveStateDir(env_of({})).ok());
}

TEST_F(OutboxTest, AppendedEntriesSurviveReopenInOrderWithEveryField) {
  {
    Outbox box(*Env::Default(), path_);
    AppendAll(box, {7, 8, 9});
  }
  Outbox again(*Env::Default(), path_);
  auto lock = again.Lock(std::chrono::seconds(1));
  ASSERT_TRUE(lock.ok());
  std::string damage;
  auto pending = again.Load(&damage);
  ASSERT_TRUE(pending.ok()) << pending.status().ToString();
  EXPECT_EQ(damage, "");
  ASSERT_EQ(Indices(*pending), (std::vector<uint64_t>{7, 8, 9}));
  EXPECT_EQ((*pending)[0].to, "bob");
  EXPECT_EQ((*pending)[1].to, "carol");
  EXPECT_EQ((*pending)[0].queued_unix, 1700000007);
  EXPECT_EQ((*pending)[2].package_b64, "b3RjMgAB9");
  EXPECT_NE((*pending)[0].id, 0u);
  EXPECT_NE((*pending)[0].id, (*pending)[1].id);
  // The file is the user's alone, in directories created with their parents, 0700.
  struct stat st {};
  ASSERT_EQ(stat(path_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  for (std::string d : {root_ + "/state", root_ + "/state/otc"}) {
    ASSERT_EQ(stat(d.c_str(), &st), 0) << d;
    EXPECT_EQ(st.st_mode & 0777, 0700u) << d;
  }
  // The file holds the package (ciphertext) and starts with the magic.
  EXPECT_EQ(ReadAll(path_).substr(0, 8), "OTCOUTB1");
}

TEST_F(OutboxTest, DoneEntriesLeaveAndCompactionShrinksTheFileToItsMagic) {
  Outbox box(*Env::Default(), path_);
  std::vector<uint64_t> ids = AppendAll(box, {1, 2, 3});
  auto lock = box.Lock(std::chrono::seconds(1));
  ASSERT_TRUE(lock.ok());
  ASSERT_TRUE(box.MarkDone(ids[1], 42).ok());
  ASSERT_TRUE(box.MarkDone(ids[0], 0).ok());  // refused by the relay: also gone
  EXPECT_EQ(Indices(*box.Load(nullptr)), (std::vector<uint64_t>{3}));
  size_t before = ReadAll(path_).size();
  ASSERT_TRUE(box.Compact().ok());
  size_t after = ReadAll(path_).size();
  EXPECT_LT(after, before);
  EXPECT_EQ(Indices(*box.Load(nullptr)), (std::vector<uint64_t>{3}));
  ASSERT_TRUE(box.MarkDone(ids[2], 43).ok());
  ASSERT_TRUE(box.Compact().ok());
  EXPECT_EQ(ReadAll(path_), "OTCOUTB1");
  EXPECT_TRUE(box.Load(nullptr)->empty());
  EXPECT_FALSE(std::filesystem::exists(path_ + ".tmp"));
}

TEST_F(OutboxTest, AFlippedByteLosesOnlyItsRecordAndTheFileIsKeptAside) {
  Outbox box(*Env::Default(), path_);
  AppendAll(box, {1, 2, 3});
  std::string original = ReadAll(path_);
  std::string bytes = original;
  size_t second = bytes.find("b3RjMgAB2");
  ASSERT_NE(second, std::string::npos);
  bytes[second + 3] ^= 0x20;
  WriteAll(path_, bytes);

  auto lock = box.Lock(std::chrono::seconds(1));
  ASSERT_TRUE(lock.ok());
  std::string damage;
  auto pending = box.Load(&damage);
  ASSERT_TRUE(pending.ok());
  EXPECT_EQ(Indices(*pending), (std::vector<uint64_t>{1, 3}));
  EXPECT_NE(damage.find(path_), std::string::npos) << damage;
  std::vector<std::string> kept = DamagedCopies(DirName(path_));
  ASSERT_EQ(kept.size(), 1u);
  EXPECT_NE(damage.find(kept[0]), std::string::npos) << damage;
  EXPECT_EQ(ReadAll(kept[0]), bytes);  // every byte kept, as found
  // The outbox itself is whole again: no second report.
  std::string again;
  EXPECT_EQ(Indices(*box.Load(&again)), (std::vector<uint64_t>{1, 3}));
  EXPECT_EQ(again, "");
}

TEST_F(OutboxTest, ATornLastRecordKeepsTheEarlierOnes) {
  Outbox box(*Env::Default(), path_);
  AppendAll(box, {1, 2, 3});
  std::string bytes = ReadAll(path_);
  for (size_t cut : {size_t{1}, size_t{5}, size_t{20}}) {
    WriteAll(path_, bytes.substr(0, bytes.size() - cut));
    auto lock = box.Lock(std::chrono::seconds(1));
    ASSERT_TRUE(lock.ok());
    std::string damage;
    EXPECT_EQ(Indices(*box.Load(&damage)), (std::vector<uint64_t>{1, 2})) << cut;
    EXPECT_NE(damage.find("damaged"), std::string::npos) << cut;
  }
  EXPECT_EQ(DamagedCopies(DirName(path_)).size(), 3u);
}

TEST_F(OutboxTest, AFileWithoutTheMagicIsDamageNotSilence) {
  Outbox box(*Env::Default(), path_);
  AppendAll(box, {5});
  std::string bytes = ReadAll(path_);
  bytes[0] = 'X';
  WriteAll(path_, bytes);
  auto lock = box.Lock(std::chrono::seconds(1));
  std::string damage;
  EXPECT_EQ(Indices(*box.Load(&damage)), (std::vector<uint64_t>{5}));
  EXPECT_NE(damage, "");
}

TEST_F(OutboxTest, AFailedFsyncIsFatalForTheOutbox) {
  FaultInjectionEnv env;
  Outbox box(env, path_);
  auto lock = box.Lock(std::chrono::seconds(1));
  ASSERT_TRUE(lock.ok());
  env.FailNthSync(1, 5, "outbox-alice");
  OutboxEntry e = Entry("bob", 1);
  Status s = box.Append(e);
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find(path_), std::string::npos) << s.ToString();
  env.ClearFaults();
  // Fail-stop: no retry of a failed fsync, nothing more from this Outbox.
  OutboxEntry next = Entry("bob", 2);
  EXPECT_FALSE(box.Append(next).ok());
  EXPECT_FALSE(box.MarkDone(e.id, 1).ok());
  EXPECT_FALSE(box.Load(nullptr).ok());
}

TEST_F(OutboxTest, AFailedOrFullWriteIsFatalForTheOutbox) {
  for (bool full : {false, true}) {
    FaultInjectionEnv env;
    Outbox box(env, path_ + (full ? "-full" : "-eio"));
    auto lock = box.Lock(std::chrono::seconds(1));
    ASSERT_TRUE(lock.ok());
    if (full) {
      env.SetDiskFull(true);
    } else {
      env.FailNthWrite(1, 5, "outbox-alice");
    }
    OutboxEntry e = Entry("bob", 1);
    EXPECT_FALSE(box.Append(e).ok());
    env.ClearFaults();
    env.SetDiskFull(false);
    OutboxEntry next = Entry("bob", 2);
    EXPECT_FALSE(box.Append(next).ok());
  }
}

TEST_F(OutboxTest, AnAppendedEntrySurvivesAPowerLoss) {
  FaultInjectionEnv env;
  {
    Outbox box(env, path_);
    AppendAll(box, {1, 2});
  }
  env.SimulatePowerLoss();
  Outbox after(env, path_);
  auto lock = after.Lock(std::chrono::seconds(1));
  ASSERT_TRUE(lock.ok());
  std::string damage;
  EXPECT_EQ(Indices(*after.Load(&damage)), (std::vector<uint64_t>{1, 2}));
  EXPECT_EQ(damage, "");
}

TEST_F(OutboxTest, OneHolderAtATime) {
  Outbox a(*Env::Default(), path_);
  Outbox b(*Env::Default(), path_);
  auto held = a.Lock(std::chrono::seconds(1));
  ASSERT_TRUE(held.ok());
  auto second = b.Lock(std::chrono::milliseconds(60));
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), Status::Code::kBusy);
  EXPECT_NE(second.status().message().find(path_), std::string::npos);
  held->reset();
  EXPECT_TRUE(b.Lock(std::chrono::seconds(1)).ok());
}

}  // namespace
}  // namespace otc::client
