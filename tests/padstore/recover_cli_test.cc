// `padstore recover`, `padstore move` and `padstore status` after a copy, run as the real
// tool in a separate process (with the mark mirror in a test directory via
// $OTC_MARK_MIRROR, as a user's environment would set it).
#include <stdlib.h>
#include <sys/wait.h>

#include <cstdio>
#include <nlohmann/json.hpp>

#include "tests/padstore/padstore_tool.h"
#include "tests/padstore/test_pad.h"

namespace otc::padstore::testing {
namespace {

class RecoverCliTest : public StoreFixture {
 protected:
  void SetUp() override { ::setenv("OTC_MARK_MIRROR", dir_.File("marks").c_str(), 1); }
  void TearDown() override { ::unsetenv("OTC_MARK_MIRROR"); }

  ToolRun Padstore(const std::string& args) { return RunPadstore(args); }

  // Packages `n` bytes with the store as the device would (mirror on), then closes it.
  void Use(uint64_t n) {
    StoreOptions o;
    o.mark_mirror_dir = dir_.File("marks");
    auto store = OpenStore(o);
    ASSERT_NE(store, nullptr);
    auto r = store->ReserveRange("bob", n);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    ASSERT_TRUE(store->MarkUsed(*r).ok());
    ASSERT_TRUE(store->Close().ok());
  }
};

TEST_F(RecoverCliTest, StatusShowsTheCopyAndRecoverSkipsPastTheOriginal) {
  MakeStore(1 << 20, Direction::kUp);
  Use(100);
  ASSERT_EQ(std::system(("cp -a " + store_dir() + " " + dir_.File("backup")).c_str()), 0);
  Use(5000);  // the original goes on after the backup
  ASSERT_EQ(
      std::system(
          ("rm -rf " + store_dir() + " && mv " + dir_.File("backup") + " " + store_dir()).c_str()),
      0);

  ToolRun status = Padstore("status --json --store " + store_dir());
  ASSERT_EQ(status.code, 0) << status.out;
  auto j = nlohmann::json::parse(status.out);
  EXPECT_EQ(j["contacts"][0]["needs_recovery"], true);
  ToolRun text = Padstore("status --store " + store_dir());
  EXPECT_NE(text.out.find("padstore recover"), std::string::npos) << text.out;

  ToolRun rec = Padstore("recover --json --margin 1K --store " + store_dir());
  ASSERT_EQ(rec.code, 0) << rec.out;
  auto r = nlohmann::json::parse(rec.out);
  ASSERT_EQ(r["contacts"].size(), 1u);
  EXPECT_EQ(r["contacts"][0]["recovered"], true);
  // From the mirror (the original reached 5100 bytes, rounded up to its batch), not from
  // the backup's 100.
  EXPECT_GE(r["contacts"][0]["new_mark"].get<uint64_t>(), 5100u + 1024u);

  status = Padstore("status --json --store " + store_dir());
  EXPECT_EQ(nlohmann::json::parse(status.out)["contacts"][0]["needs_recovery"], false);
  ToolRun again = Padstore("recover --store " + store_dir());
  EXPECT_EQ(again.code, 0);
  EXPECT_NE(again.out.find("nothing to do"), std::string::npos) << again.out;
}

TEST_F(RecoverCliTest, MoveRefusesAnExistingTargetAndMovesOtherwise) {
  MakeStore(1 << 20, Direction::kUp);
  Use(100);
  ASSERT_EQ(std::system(("mkdir " + dir_.File("taken")).c_str()), 0);
  ToolRun refused = Padstore("move --store " + store_dir() + " --to " + dir_.File("taken"));
  EXPECT_NE(refused.code, 0);
  EXPECT_NE(refused.out.find("already exists"), std::string::npos) << refused.out;

  ToolRun moved = Padstore("move --store " + store_dir() + " --to " + dir_.File("new"));
  ASSERT_EQ(moved.code, 0) << moved.out;
  ToolRun status = Padstore("status --json --store " + dir_.File("new"));
  ASSERT_EQ(status.code, 0) << status.out;
  auto j = nlohmann::json::parse(status.out);
  EXPECT_EQ(j["contacts"][0]["needs_recovery"], false);
  EXPECT_EQ(j["contacts"][0]["own_used"], 100);
}

}  // namespace
}  // namespace otc::padstore::testing
