// The padstore command-line tool, run as a separate process: help, exit codes, JSON.
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "tests/padstore/padstore_tool.h"
#include "tests/padstore/test_pad.h"

namespace otc::padstore {
namespace {

using CliRun = testing::ToolRun;
CliRun Cli(const std::string& args) { return testing::RunPadstore(args); }

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

TEST_F(CliTest, BadUsageExitsTwoWithOneLineThatNamesTheProblem) {
  CliRun no_store = Cli("fsck");
  EXPECT_EQ(no_store.code, 2);
  EXPECT_EQ(no_store.out, "padstore: fsck needs --store: give --store DIR or set $OTC_STORE\n");
  CliRun unknown = Cli("remove" + S());
  EXPECT_EQ(unknown.code, 2);
  EXPECT_EQ(unknown.out, "padstore: unknown command 'remove'; did you mean 'recover'?\n");
  CliRun far = Cli("frobnicate" + S());
  EXPECT_EQ(far.code, 2);
  EXPECT_EQ(far.out,
            "padstore: unknown command 'frobnicate': the commands are init, add, status, fsck, "
            "import-legacy, recover, move, retire (see padstore --help)\n");
  CliRun typo = Cli("stauts" + S());
  EXPECT_EQ(typo.out, "padstore: unknown command 'stauts'; did you mean 'status'?\n");
  CliRun bogus = Cli("status --bogus");
  EXPECT_EQ(bogus.code, 2);
  EXPECT_EQ(bogus.out,
            "padstore: unknown option '--bogus' for 'padstore status': see padstore status "
            "--help\n");
  CliRun json = Cli("status --bogus --json");  // with --json: one JSON object on stdout
  EXPECT_EQ(json.code, 2);
  auto j = nlohmann::json::parse(json.out);
  EXPECT_EQ(j["error"], "usage");
  EXPECT_EQ(j["message"], "unknown option '--bogus' for 'padstore status'");
  CliRun bad = Cli("init" + S() + " --user Alice");
  EXPECT_EQ(bad.code, 2);
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
  // otc1 spends 2m + 48 = 248 bytes of pad on a 100-byte message.
  EXPECT_EQ(j["contacts"][0]["messages_left"], ((1 << 19) - 1000) / 248);
  CliRun human = Cli("status" + S());
  EXPECT_EQ(human.code, 0);
  EXPECT_NE(human.out.find("bob: otc1 pad 1M"), std::string::npos) << human.out;
  EXPECT_NE(human.out.find("511.0K of 512K pad left (99%), ~2,110 messages of 100 bytes; used "
                           "1000 bytes"),
            std::string::npos)
      << human.out;
  CliRun nobody = Cli("status" + S() + " --peer zed --json");
  EXPECT_EQ(nobody.code, 3);  // unknown_contact
  EXPECT_EQ(nlohmann::json::parse(nobody.out)["error"], "unknown_contact");

  CliRun clean = Cli("fsck" + S() + " --json");
  EXPECT_EQ(clean.code, 0) << clean.out;
  EXPECT_EQ(nlohmann::json::parse(clean.out)["contacts"][0]["chunks_verified"], 255);

  // A torn journal tail: 14 (damaged) without --repair, 15 (repaired) with it, then 0.
  {
    auto f = Env::Default()->OpenFile(contact_file("journal"), {.write = true});
    uint64_t size = *(*f)->Size();
    ASSERT_TRUE(WriteFully(**f, size, std::vector<uint8_t>(7, 0x4f)).ok());
  }
  EXPECT_EQ(Cli("fsck" + S()).code, 14);
  CliRun fixed = Cli("fsck" + S() + " --repair");
  EXPECT_EQ(fixed.code, 15) << fixed.out;
  EXPECT_NE(fixed.out.find("FIXED bob/journal: torn tail"), std::string::npos) << fixed.out;
  EXPECT_EQ(Cli("fsck" + S()).code, 0);

  // In use by this test process: fsck exits 10 naming our PID; status and fsck
  // --read-only work anyway.
  auto store = OpenStore();
  CliRun busy = Cli("fsck" + S());
  EXPECT_EQ(busy.code, 10);
  EXPECT_NE(busy.out.find("in use by PID " + std::to_string(getpid())), std::string::npos)
      << busy.out;
  // Every command that needs the store exits the same way: recover and retire too, with
  // --json the one error object naming in_use.
  for (const std::string cmd : {"recover", "retire --contact bob --yes"}) {
    CliRun busy_too = Cli(cmd + S() + " --json");
    EXPECT_EQ(busy_too.code, 10) << cmd << ": " << busy_too.out;
    EXPECT_NE(busy_too.out.find("\"error\":\"in_use\""), std::string::npos) << busy_too.out;
  }
  // A missing store is a failure (1), not an unknown contact, for every command.
  for (const std::string cmd : {"recover", "retire --contact bob --yes", "status"}) {
    EXPECT_EQ(Cli(cmd + " --store " + dir_.File("no-such-store")).code, 1) << cmd;
  }
  CliRun busy_status = Cli("status" + S() + " --json");
  EXPECT_EQ(busy_status.code, 0) << busy_status.out;
  EXPECT_EQ(nlohmann::json::parse(busy_status.out)["contacts"][0]["own_used"], 1000);
  CliRun read_only = Cli("fsck" + S() + " --read-only");
  EXPECT_EQ(read_only.code, 0) << read_only.out;
  EXPECT_EQ(Cli("fsck" + S() + " --read-only --repair").code, 2);
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
