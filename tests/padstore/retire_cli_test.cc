// `padstore retire` and `padstore status` with several pad generations, run as the real
// tool in a separate process: bad inputs (unknown contact, unknown or newest generation,
// no terminal without --yes) and a retirement with --yes.
#include <stdlib.h>
#include <sys/wait.h>

#include <cstdio>
#include <nlohmann/json.hpp>

#include "tests/padstore/padstore_tool.h"
#include "tests/padstore/test_pad.h"

namespace otc::padstore::testing {
namespace {

class RetireCliTest : public StoreFixture {
 protected:
  void SetUp() override {
    ::setenv("OTC_MARK_MIRROR", dir_.File("marks").c_str(), 1);
    MakeStore(1 << 16, Direction::kUp);
    std::string pad = dir_.File("second.pad"), manifest = dir_.File("second.manifest");
    WritePad(pad, manifest, 1 << 17, 8);
    ContactSpec spec;
    spec.peer = "bob";
    spec.pad_path = pad;
    spec.manifest_path = manifest;
    spec.direction = Direction::kUp;
    auto info = RegisterContact(store_dir(), "alice", spec);
    ASSERT_TRUE(info.ok()) << info.status().ToString();
    ASSERT_EQ(info->meta.generation, 1u);
  }
  void TearDown() override { ::unsetenv("OTC_MARK_MIRROR"); }

  // Standard input is /dev/null: never a terminal.
  ToolRun Padstore(const std::string& args) { return RunPadstore(args); }
};

TEST_F(RetireCliTest, StatusListsEachGenerationWithWhatIsLeft) {
  ToolRun text = Padstore("status --store " + store_dir());
  ASSERT_EQ(text.code, 0) << text.out;
  EXPECT_NE(text.out.find("bob generation 0: otc2 pad 64K"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("bob generation 1: otc2 pad 128K"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("2 pad generations, new messages use generation 1"), std::string::npos)
      << text.out;

  ToolRun json = Padstore("status --json --store " + store_dir());
  ASSERT_EQ(json.code, 0) << json.out;
  auto j = nlohmann::json::parse(json.out);
  const auto& bob = j["contacts"][0];
  EXPECT_EQ(bob["generation"], 1);
  ASSERT_EQ(bob["generations"].size(), 2u);
  EXPECT_EQ(bob["generations"][0]["own_left"], 1 << 15);
  EXPECT_EQ(bob["generations"][1]["own_left"], 1 << 16);
  EXPECT_EQ(bob["all_own_left"], (1 << 15) + (1 << 16));
  EXPECT_GT(bob["generations"][0]["messages_left"].get<uint64_t>(), 0u);
}

TEST_F(RetireCliTest, BadInputsAreRefusedWithTheirExitCodes) {
  ToolRun unknown = Padstore("retire --yes --store " + store_dir() + " --contact carol");
  EXPECT_EQ(unknown.code, 3) << unknown.out;
  EXPECT_NE(unknown.out.find("unknown contact carol"), std::string::npos) << unknown.out;

  ToolRun no_gen =
      Padstore("retire --yes --store " + store_dir() + " --contact bob --generation 4");
  EXPECT_EQ(no_gen.code, 2) << no_gen.out;
  EXPECT_NE(no_gen.out.find("holds no pad generation 4 (it holds 0, 1)"), std::string::npos)
      << no_gen.out;

  ToolRun newest =
      Padstore("retire --yes --store " + store_dir() + " --contact bob --generation 1");
  EXPECT_EQ(newest.code, 2) << newest.out;
  EXPECT_NE(newest.out.find("newest pad"), std::string::npos) << newest.out;

  ToolRun no_tty = Padstore("retire --store " + store_dir() + " --contact bob");
  EXPECT_EQ(no_tty.code, 5) << no_tty.out;
  EXPECT_NE(no_tty.out.find("not a terminal"), std::string::npos) << no_tty.out;
  EXPECT_NE(no_tty.out.find("--yes"), std::string::npos) << no_tty.out;

  ToolRun no_tty_json = Padstore("retire --json --store " + store_dir() + " --contact bob");
  EXPECT_EQ(no_tty_json.code, 5);
  EXPECT_EQ(nlohmann::json::parse(no_tty_json.out)["error"], "denied") << no_tty_json.out;

  // Nothing was retired by any of them.
  EXPECT_TRUE(Env::Default()->FileExists(contact_file("meta")));
  EXPECT_EQ(ReadRaw(pad_path(), 0, 16), PadBytes(kSeed, 0, 16));
}

TEST_F(RetireCliTest, RetireWithYesDestroysTheOldestGeneration) {
  ToolRun r = Padstore("retire --yes --json --store " + store_dir() + " --contact bob");
  ASSERT_EQ(r.code, 0) << r.out;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["generation"], 0);
  EXPECT_EQ(j["destroyed_bytes"], 1 << 16);
  EXPECT_FALSE(Env::Default()->FileExists(pad_path()));
  EXPECT_FALSE(Env::Default()->FileExists(contact_file("meta")));

  ToolRun status = Padstore("status --json --store " + store_dir());
  ASSERT_EQ(status.code, 0) << status.out;
  auto s = nlohmann::json::parse(status.out);
  ASSERT_EQ(s["contacts"][0]["generations"].size(), 1u);
  EXPECT_EQ(s["contacts"][0]["generations"][0]["generation"], 1);
}

}  // namespace
}  // namespace otc::padstore::testing
