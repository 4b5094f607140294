// The offline CLI (`otc-device package|unpackage`) on the daemon's code path: output,
// exit codes per category, and "store in use" while a daemon holds the store.
#include <gtest/gtest.h>

#include "common/encoding.h"
#include "tests/device/device_test_util.h"

namespace otc::device {
namespace {

using testing::kStorePlace;
using testing::Pair;
using testing::StoreDir;

class CliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(testing::MakeStores(dir_, {Pair{"alice", "bob", Format::kOtc2, 1 << 16, 61},
                                           Pair{"alice", "carol", Format::kOtc1, 1 << 16, 62}}));
  }
  testing::RunResult Device(std::vector<std::string> args) {
    args.insert(args.begin(), testing::DeviceBinary());
    return testing::Run(args);
  }
  testing::RunResult Package(const std::string& to, const std::string& message) {
    return Device(
        {"package", "--store", StoreDir(dir_, "alice"), "--to", to, "--message", message});
  }
  testing::RunResult Unpackage(const std::string& user, const std::string& from,
                               const std::string& package) {
    return Device(
        {"unpackage", "--store", StoreDir(dir_, user), "--from", from, "--package", package});
  }
  static std::string FirstLine(const std::string& s) { return s.substr(0, s.find('\n')); }
  TestDir dir_{kStorePlace};
};

TEST_F(CliTest, PackageThenUnpackageBothProtocols) {
  for (const char* peer : {"bob", "carol"}) {
    auto p = Package(peer, "hello from the cli");
    ASSERT_EQ(p.exit_code, 0) << p.err;
    std::string package = FirstLine(p.out);
    EXPECT_TRUE(Base64Decode(package).ok()) << package;
    auto u = Unpackage(peer, "alice", package);
    ASSERT_EQ(u.exit_code, 0) << u.err;
    EXPECT_EQ(u.out, "hello from the cli\n");
  }
}

TEST_F(CliTest, JsonAndBinaryOutput) {
  auto p = Device({"package", "--store", StoreDir(dir_, "alice"), "--to", "bob", "--message-b64",
                   "AP8=", "--json"});
  ASSERT_EQ(p.exit_code, 0) << p.err;
  auto reply = nlohmann::json::parse(p.out);
  EXPECT_EQ(reply["index"], 0);
  EXPECT_EQ(reply["pad_left"], (1 << 15) - 55);  // 2 + 21 (envelope) + 32
  auto u = Device({"unpackage", "--store", StoreDir(dir_, "bob"), "--from", "alice", "--package",
                   reply["package"].get<std::string>(), "--json"});
  ASSERT_EQ(u.exit_code, 0) << u.err;
  auto unpacked = nlohmann::json::parse(u.out);
  // "sent": alice's device clock (ms since the epoch) from the package's envelope.
  ASSERT_TRUE(unpacked["sent"].is_number_integer()) << u.out;
  EXPECT_GT(unpacked["sent"].get<int64_t>(), int64_t{1700000000000});
  unpacked.erase("sent");
  EXPECT_EQ(unpacked, nlohmann::json::parse(
                          R"({"message_b64":"AP8=","index":0,"skipped":false,"late":false})"));
}

TEST_F(CliTest, ExitCodesPerCategory) {
  auto p = Package("bob", "once");
  ASSERT_EQ(p.exit_code, 0);
  std::string package = FirstLine(p.out);
  ASSERT_EQ(Unpackage("bob", "alice", package).exit_code, 0);

  auto replay = Unpackage("bob", "alice", package);
  EXPECT_EQ(replay.exit_code, 6);
  EXPECT_NE(replay.err.find("replay"), std::string::npos) << replay.err;

  auto second = Package("bob", "twice");
  auto bytes = *Base64Decode(FirstLine(second.out));
  bytes.back() ^= 1;
  auto forged = Unpackage("bob", "alice", Base64Encode(bytes));
  EXPECT_EQ(forged.exit_code, 7);
  EXPECT_NE(forged.err.find("integrity"), std::string::npos) << forged.err;
  EXPECT_EQ(forged.out, "");

  testing::RunResult zed = Package("zed", "x");
  EXPECT_EQ(zed.exit_code, 3);
  EXPECT_EQ(zed.err, "otc-device: package: unknown contact zed\n");  // said once
  testing::RunResult zed_json = Device(
      {"package", "--store", StoreDir(dir_, "alice"), "--to", "zed", "--message", "x", "--json"});
  EXPECT_EQ(zed_json.exit_code, 3);
  EXPECT_EQ(zed_json.err, "");
  EXPECT_NE(zed_json.out.find("\"error\":\"unknown_contact\""), std::string::npos) << zed_json.out;
  EXPECT_EQ(Package("BOB", "x").exit_code, 2);
  EXPECT_EQ(Unpackage("bob", "alice", "not base64").exit_code, 2);
  EXPECT_EQ(Unpackage("bob", "alice", "AAAA").exit_code, 2);
  EXPECT_EQ(Package("bob", std::string(40000, 'x')).exit_code, 4);  // half is 32 KiB
  EXPECT_EQ(Device({"package", "--store", StoreDir(dir_, "alice"), "--to", "bob", "--message", "x",
                    "--max-message", "10"})
                .exit_code,
            0);
  EXPECT_EQ(Device({"package", "--store", StoreDir(dir_, "alice"), "--to", "bob", "--message",
                    "0123456789a", "--max-message", "10"})
                .exit_code,
            8);
  EXPECT_EQ(Device({"package", "--store", StoreDir(dir_, "alice"), "--to", "bob"}).exit_code, 2);
  EXPECT_EQ(Device({"package", "--to", "bob", "--message", "x"}).exit_code, 2);  // no --store
  EXPECT_EQ(Device({"frobnicate"}).exit_code, 2);
  EXPECT_EQ(
      Device({"package", "--store", dir_.File("nope"), "--to", "bob", "--message", "x"}).exit_code,
      1);
}

TEST_F(CliTest, StoreInUseByADaemonIsAClearError) {
  auto daemon = testing::Daemon::Start(StoreDir(dir_, "alice"), {"--confirm", "auto"});
  ASSERT_TRUE(daemon);
  auto p = Package("bob", "x");
  EXPECT_EQ(p.exit_code, 10);
  EXPECT_NE(p.err.find("in use"), std::string::npos) << p.err;
  EXPECT_EQ(p.out, "");
  EXPECT_EQ(daemon->Stop(), 0);
  EXPECT_EQ(Package("bob", "x").exit_code, 0);
}

TEST_F(CliTest, HelpDocumentsExitCodes) {
  for (const char* sub : {"package", "unpackage", "serve"}) {
    auto h = Device({sub, "--help"});
    EXPECT_EQ(h.exit_code, 0);
    EXPECT_NE(h.out.find("  10  in_use: a running daemon"), std::string::npos) << sub;
    EXPECT_NE(h.out.find("   6  replay:"), std::string::npos) << sub;
    EXPECT_NE(h.out.find("Usage: otc-device " + std::string(sub)), std::string::npos) << h.out;
  }
}

}  // namespace
}  // namespace otc::device
