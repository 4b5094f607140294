// The padstore command-line tool, run as a separate process: help, exit codes, JSON.
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "tests/padstore/test_pad.h"

namespace otc::padstore {
namespace {

struct CliRun {
  int code = -1;
  std::string out;  // stdout and stderr
};

CliRun Cli(const std::string& args) {
  std::string cmd = std::string(OTC_PADSTORE_BIN) + " " + args + " 2>&1";
  FILE* p = ::popen(cmd.c_str(), "r");
  CliRun r;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
  int status = ::pclose(p);
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

class CliTest : public testing::StoreFixture {
 protected:
  std::string S() { return " --store " + store_dir(); }
  void InitAndAdd() {
    ASSERT_EQ(Cli("init" + S() + " --user alice").code, 0);
    testing::WritePad(dir_.File("p"), dir_.File("m"), 1 << 20, kSeed);
    CliRun r = Cli("add" + S() + " --peer bob --pad " + dir_.File("p") + " --manifest " +
                   dir_.File("m") + " --direction -1 --protocol otc1 --json");
    ASSERT_EQ(r.code, 0) << r.out;
    auto j = nlohmann::json::parse(r.out);
    EXPECT_EQ(j["peer"], "bob");
    EXPECT_EQ(j["direction"], "-1");
    EXPECT_EQ(j["protocol"], "otc1");
    EXPECT_EQ(j["own_left"], 1 << 19);
  }
};

TEST_F(CliTest, EverySubcommandHasHelp) {
  for (const char* sub : {"", "init", "add", "status", "fsck", "import-legacy"}) {
    CliRun r = Cli(std::string(sub) + " --help");
    EXPECT_EQ(r.code, 0) << sub;
    EXPECT_NE(r.out.find("Usage:"), std::string::npos) << sub;
  }
}

TEST_F(CliTest, BadUsageExitsTwoAndBadInputExitsOneWithOneLine) {
  EXPECT_EQ(Cli("status").code, 2) << "no --store";
  EXPECT_EQ(Cli("frobnicate").code, 2);
  CliRun bad = Cli("init" + S() + " --user Alice");
  EXPECT_EQ(bad.code, 1);
  EXPECT_EQ(bad.out,
            "padstore: user \"Alice\" is invalid: it contains a character outside the "
            "allowed set (use 1-64 characters from a-z 0-9 _ . -)\n");
  CliRun missing = Cli("status" + S());
  EXPECT_EQ(missing.code, 1);
  EXPECT_NE(missing.out.find("is not a padstore (no store.meta); create it with padstore init"),
            std::string::npos)
      << missing.out;
}

TEST_F(CliTest, InitAddStatusAndFsck) {
  InitAndAdd();
  {
    auto store = OpenStore();
    auto r = store->ReserveRange("bob", 1000);
    ASSERT_TRUE(r.ok());
    ASSERT_TRUE(store->MarkUsed(*r).ok());
  }
  CliRun st = Cli("status" + S() + " --json");
  ASSERT_EQ(st.code, 0) << st.out;
  auto j = nlohmann::json::parse(st.out);
  EXPECT_EQ(j["owner"], "alice");
  ASSERT_EQ(j["contacts"].size(), 1u);
  EXPECT_EQ(j["contacts"][0]["own_used"], 1000);
  EXPECT_EQ(j["contacts"][0]["burned"], 1000);
  EXPECT_EQ(j["contacts"][0]["messages_left_at_100_bytes"], ((1 << 19) - 1000) / 100);
  CliRun human = Cli("status" + S());
  EXPECT_EQ(human.code, 0);
  EXPECT_NE(human.out.find("bob: otc1 pad 1M"), std::string::npos) << human.out;

  CliRun clean = Cli("fsck" + S() + " --json");
  EXPECT_EQ(clean.code, 0) << clean.out;
  EXPECT_EQ(nlohmann::json::parse(clean.out)["contacts"][0]["chunks_verified"], 255);

  // A torn journal tail: 4 without --repair, 1 with it, then 0.
  {
    auto f = Env::Default()->OpenFile(contact_file("journal"), {.write = true});
    uint64_t size = *(*f)->Size();
    ASSERT_TRUE(WriteFully(**f, size, std::vector<uint8_t>(7, 0x4f)).ok());
  }
  EXPECT_EQ(Cli("fsck" + S()).code, 4);
  CliRun fixed = Cli("fsck" + S() + " --repair");
  EXPECT_EQ(fixed.code, 1) << fixed.out;
  EXPECT_NE(fixed.out.find("FIXED bob/journal: torn tail"), std::string::npos) << fixed.out;
  EXPECT_EQ(Cli("fsck" + S()).code, 0);

  // In use by this test process: operational error 8 naming our PID.
  auto store = OpenStore();
  CliRun busy = Cli("fsck" + S());
  EXPECT_EQ(busy.code, 8);
  EXPECT_NE(busy.out.find("in use by PID " + std::to_string(getpid())), std::string::npos)
      << busy.out;
  CliRun busy_status = Cli("status" + S());
  EXPECT_EQ(busy_status.code, 1);
  EXPECT_NE(busy_status.out.find("in use by PID"), std::string::npos);
}

TEST_F(CliTest, ImportLegacy) {
  ASSERT_EQ(Cli("init" + S() + " --user alice").code, 0);
  testing::WritePad(dir_.File("alice.bob.random.store"), dir_.File("unused"), 2000, kSeed);
  std::string json =
      "{\"uid\": \"alice\", \"rid\": \"bob\", \"n_bytes\": 2000, \"split_index\": 1000, "
      "\"direction\": 1, \"encrypt_index\": 10, \"decrypt_log\": \"1999-1994,\", "
      "\"decrypt_max\": 1995, \"checksum\": 1}";
  {
    auto m = Env::Default()->OpenFile(dir_.File("alice.bob.random.metadata"),
                                      {.write = true, .create = true});
    ASSERT_TRUE(
        WriteFully(**m, 0, {reinterpret_cast<const uint8_t*>(json.data()), json.size()}).ok());
  }
  CliRun r = Cli("import-legacy" + S() + " --peer bob " + dir_.File("alice.bob.random.store") +
                 " " + dir_.File("alice.bob.random.metadata") + " --json");
  ASSERT_EQ(r.code, 0) << r.out;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["own_used"], 10);
  EXPECT_EQ(j["decrypted"], 5);
  EXPECT_EQ(j["imported_legacy"], true);
  EXPECT_NE(j["notes"][0].get<std::string>().find("not checked"), std::string::npos);
  CliRun again = Cli("import-legacy" + S() + " --peer bob " + dir_.File("alice.bob.random.store") +
                     " " + dir_.File("alice.bob.random.metadata"));
  EXPECT_EQ(again.code, 1);
  EXPECT_NE(again.out.find("already exists"), std::string::npos);
}

}  // namespace
}  // namespace otc::padstore
