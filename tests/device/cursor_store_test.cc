#include "chat/device/cursor_store.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>

#include "common/fault_injection_env.h"
#include "tests/common/test_dir.h"

namespace otc::device {
namespace {

class CursorStoreTest : public ::testing::Test {
 protected:
  TestDir scratch_;
  const std::string dir_ = scratch_.path();
};

TEST_F(CursorStoreTest, PutIsDurableAndSurvivesReopen) {
  FaultInjectionEnv env;
  {
    auto store = CursorStore::Open(&env, dir_);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    EXPECT_EQ((*store)->Get("http://127.0.0.1:9050"), 0u);
    ASSERT_TRUE((*store)->Put("http://127.0.0.1:9050", 17).ok());
    ASSERT_TRUE((*store)->Put("http://relay.example:80", 18446744073709551615ull).ok());
    ASSERT_TRUE((*store)->Put("http://127.0.0.1:9050", 18).ok());
  }
  env.SimulatePowerLoss();  // everything acknowledged must have been synced
  auto store = CursorStore::Open(&env, dir_);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  EXPECT_EQ((*store)->Get("http://127.0.0.1:9050"), 18u);
  EXPECT_EQ((*store)->Get("http://relay.example:80"), 18446744073709551615ull);
  struct stat st {};
  ASSERT_EQ(::stat(CursorStore::FileName(dir_).c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

TEST_F(CursorStoreTest, AFailedSyncIsFatalAndKeepsTheOldValue) {
  FaultInjectionEnv env;
  auto store = CursorStore::Open(&env, dir_);
  ASSERT_TRUE(store.ok());
  ASSERT_TRUE((*store)->Put("r", 5).ok());
  env.FailNthSync(1);
  EXPECT_FALSE((*store)->Put("r", 6).ok());
  EXPECT_EQ((*store)->Get("r"), 5u);
  env.ClearFaults();
  Status again = (*store)->Put("r", 7);
  EXPECT_EQ(again.code(), Status::Code::kFailed);  // no retry after a failed fsync
}

TEST_F(CursorStoreTest, KeepsABoundedNumberOfRelays) {
  auto store = CursorStore::Open(Env::Default(), dir_);
  ASSERT_TRUE(store.ok());
  for (size_t i = 0; i < CursorStore::kMaxRelays; ++i) {
    ASSERT_TRUE((*store)->Put("relay-" + std::to_string(i), i).ok());
  }
  EXPECT_EQ((*store)->Put("one-too-many", 1).code(), Status::Code::kTooLarge);
  EXPECT_TRUE((*store)->Put("relay-0", 99).ok());  // updating a known relay is fine
}

TEST_F(CursorStoreTest, ACorruptFileIsReportedNotIgnored) {
  std::ofstream(CursorStore::FileName(dir_)) << "{\"version\":1,\"cursors\":{\"r\":-4}}";
  auto store = CursorStore::Open(Env::Default(), dir_);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), Status::Code::kCorruption);
  std::ofstream(CursorStore::FileName(dir_)) << "garbage";
  EXPECT_EQ(CursorStore::Open(Env::Default(), dir_).status().code(), Status::Code::kCorruption);
}

}  // namespace
}  // namespace otc::device
