// The command-line convention (docs/CLI.md) on the six real programs, and what a user
// reads beside a running device: padstore status and fsck --read-only, otc contacts.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tests/common/test_dir.h"
#include "tests/e2e/cluster.h"

namespace otc::e2e {
namespace {

using nlohmann::json;

struct Program {
  std::string name;
  std::string path;
};

std::vector<Program> AllPrograms() {
  return {{"padgen", PADGEN_BIN},
          {"padstore", PADSTORE_BIN},
          {"otc", OTC_BIN},
          {"otc-device", OTC_DEVICE_BIN},
          {"otc-relay", OTC_RELAY_BIN},
          {"otc-entropy", OTC_ENTROPY_BIN}};
}

// A directory of this test process's own: Run() names its capture files run0.out, run1.out,
// ... by a per-process counter, so test processes sharing one directory (ctest -j) would
// read each other's output.
std::string Scratch() {
  static const TestDir dir;  // removed when the process exits
  return dir.path();
}

TEST(CliConventionTest, EveryProgramAnswersVersion) {
  for (const Program& p : AllPrograms()) {
    RunResult r = e2e::Run({p.path, "--version"}, Scratch());
    EXPECT_EQ(r.exit_code, 0) << p.name << r.err;
    // "padstore 0.3.0" or "padstore 0.3.0 (git 0123456789ab)", one line.
    EXPECT_EQ(r.out.rfind(p.name + " " + OTC_E2E_PROJECT_VERSION, 0), 0u) << r.out;
    EXPECT_EQ(Lines(r.out).size(), 1u) << r.out;
  }
}

TEST(CliConventionTest, HelpIsUsageThenOptionsThenOneExitCodeTable) {
  for (const Program& p : AllPrograms()) {
    RunResult r = e2e::Run({p.path, "--help"}, Scratch());
    EXPECT_EQ(r.exit_code, 0) << p.name << r.err;
    const std::string usage_line = "Usage: " + p.name + " ";
    const size_t usage = r.out.find(usage_line);
    ASSERT_NE(usage, std::string::npos) << r.out;
    const std::string line = r.out.substr(usage, r.out.find('\n', usage) - usage);
    EXPECT_EQ(line.find('/'), std::string::npos) << "a path in " << line;
    const size_t options = r.out.find("Options:");
    const size_t codes = r.out.find("Exit codes");
    ASSERT_NE(codes, std::string::npos) << r.out;
    EXPECT_LT(usage, options) << p.name;
    EXPECT_LT(options, codes) << p.name;
    EXPECT_EQ(r.out.find("Exit codes", codes + 1), std::string::npos) << "two tables: " << r.out;
    EXPECT_NE(r.out.find("   2  usage:"), std::string::npos) << r.out;
  }
}

TEST(CliConventionTest, SubcommandHelpShowsTheBareNameToo) {
  for (const auto& [path, sub] : std::vector<std::pair<std::string, std::string>>{
           {PADSTORE_BIN, "status"}, {OTC_BIN, "send"}, {OTC_DEVICE_BIN, "serve"}}) {
    RunResult r = e2e::Run({path, sub, "--help"}, Scratch());
    EXPECT_EQ(r.exit_code, 0) << r.err;
    const size_t usage = r.out.find("Usage: ");
    ASSERT_NE(usage, std::string::npos) << r.out;
    const std::string line = r.out.substr(usage, r.out.find('\n', usage) - usage);
    EXPECT_EQ(line.find('/'), std::string::npos) << line;
    EXPECT_NE(line.find(" " + sub), std::string::npos) << line;
    EXPECT_NE(r.out.find("Exit codes"), std::string::npos) << r.out;
  }
}

TEST(CliConventionTest, TypoedCommandsAndOptionsAreNamedWithASuggestion) {
  RunResult sned = e2e::Run({OTC_BIN, "sned", "bob", "hi"}, Scratch());
  EXPECT_EQ(sned.exit_code, 2);
  EXPECT_EQ(sned.err, "otc: unknown command 'sned'; did you mean 'send'?\n");
  RunResult device = e2e::Run({OTC_DEVICE_BIN, "pakage", "--store", "x"}, Scratch());
  EXPECT_EQ(device.exit_code, 2);
  EXPECT_EQ(device.err, "otc-device: unknown command 'pakage'; did you mean 'package'?\n");
  RunResult relay = e2e::Run({OTC_RELAY_BIN, "--lisen", "127.0.0.1:0"}, Scratch());
  EXPECT_EQ(relay.exit_code, 2);
  EXPECT_EQ(relay.err, "otc-relay: unknown option '--lisen'; did you mean '--listen'?\n");
  RunResult padgen = e2e::Run({PADGEN_BIN, "--szie", "1M"}, Scratch());
  EXPECT_EQ(padgen.exit_code, 2);
  EXPECT_EQ(padgen.err, "padgen: unknown option '--szie'; did you mean '--size'?\n");
  RunResult json = e2e::Run({OTC_BIN, "contacts", "--jsn", "--json"}, Scratch());
  EXPECT_EQ(json.exit_code, 2);
  EXPECT_EQ(json::parse(json.out)["error"], "usage") << json.out;
}

class CliE2ETest : public ::testing::Test {
 protected:
  void SetUp() override {
    cluster_ = std::make_unique<Cluster>(Pairs{{"alice", "bob"}});
    ASSERT_EQ(cluster_->error(), "");
    ASSERT_TRUE(cluster_->StartAll()) << cluster_->error();
  }
  std::unique_ptr<Cluster> cluster_;
};

TEST_F(CliE2ETest, PadLeftBesideARunningDeviceIsTheSameEverywhere) {
  Cluster& c = *cluster_;
  ASSERT_EQ(c.Otc("send", "alice", {"bob", "hello"}).exit_code, 0);

  // The device is running: padstore reads the store without its lock.
  RunResult status = c.Padstore({"status", "--store", c.Store("alice"), "--json"});
  ASSERT_EQ(status.exit_code, 0) << status.err;
  json st = json::parse(status.out);
  ASSERT_EQ(st["contacts"].size(), 1u) << status.out;
  EXPECT_EQ(st["contacts"][0]["peer"], "bob");
  RunResult human = c.Padstore({"status", "--store", c.Store("alice")});
  EXPECT_EQ(human.exit_code, 0) << human.err;
  EXPECT_NE(human.out.find("bob: otc2 pad 1M"), std::string::npos) << human.out;
  EXPECT_NE(human.out.find(" pad left ("), std::string::npos) << human.out;

  RunResult contacts = c.Otc("contacts", "alice", {"--json"});
  ASSERT_EQ(contacts.exit_code, 0) << contacts.err;
  json ct = json::parse(contacts.out);
  EXPECT_EQ(ct["owner"], "alice");
  ASSERT_EQ(ct["contacts"].size(), 1u) << contacts.out;
  EXPECT_EQ(ct["contacts"][0]["peer"], "bob");
  // The device counts exactly what it handed out; the store's journal counts the whole
  // reserved batch as used. Both estimate messages with the same function.
  const uint64_t device_left = ct["contacts"][0]["pad_left"];
  const uint64_t store_left = st["contacts"][0]["own_left"];
  EXPECT_GE(device_left, store_left);
  EXPECT_LE(device_left - store_left, uint64_t{1} << 20);
  // otc2 as the device sends it: 100 + 21 (envelope) + 32.
  EXPECT_EQ(ct["contacts"][0]["messages_left"], device_left / 153);
  EXPECT_EQ(st["contacts"][0]["messages_left"], store_left / 153);
  RunResult text = c.Otc("contacts", "alice", {});
  EXPECT_EQ(text.exit_code, 0) << text.err;
  EXPECT_NE(text.out.find("bob  otc2  "), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("messages of 100 bytes"), std::string::npos) << text.out;

  RunResult fsck = c.Padstore({"fsck", "--store", c.Store("alice"), "--read-only"});
  EXPECT_EQ(fsck.exit_code, 0) << fsck.out << fsck.err;
  RunResult locked = c.Padstore({"fsck", "--store", c.Store("alice")});
  EXPECT_EQ(locked.exit_code, 10) << locked.out << locked.err;  // in_use
}

TEST_F(CliE2ETest, RecvWithoutTheRelaySaysItGivesUp) {
  Cluster& c = *cluster_;
  RunResult r = c.Otc("recv", "bob", {"--retry-for", "1"}, "", "unix:" + c.dir() + "/none.sock");
  EXPECT_EQ(r.exit_code, 11) << r.err;  // unreachable
  EXPECT_NE(r.err.find("RELAY UNREACHABLE"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("otc: the device or the relay was unreachable for 1 s; giving up"),
            std::string::npos)
      << r.err;
}

TEST_F(CliE2ETest, ContactsWithoutTheDeviceIsUnreachable) {
  Cluster& c = *cluster_;
  c.StopDevice("alice");
  RunResult r = c.Otc("contacts", "alice", {"--json"});
  EXPECT_EQ(r.exit_code, 11) << r.out << r.err;
  EXPECT_EQ(r.err, "");  // with --json the error is a JSON object on stdout
  json j = json::parse(r.out);
  EXPECT_EQ(j["error"], "unreachable");
  EXPECT_NE(j["message"].get<std::string>().find("cannot reach the device"), std::string::npos);
}

}  // namespace
}  // namespace otc::e2e
