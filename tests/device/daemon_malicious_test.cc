// A compromised client (2015 design §3.2) talking to alice's real device daemon. It may
// ask for anything; the device must refuse everything that would misuse pad, log every
// refusal, never return pad bytes, and keep serving the honest traffic afterwards.
#include <gtest/gtest.h>

#include <unordered_set>

#include "common/encoding.h"
#include "padstore/audit_rotation.h"
#include "tests/device/device_test_util.h"

namespace otc::device {
namespace {

using nlohmann::json;
using testing::Daemon;
using testing::kStorePlace;
using testing::Pair;
using testing::RpcClient;
using testing::StoreDir;

constexpr uint64_t kPadSize = 1 << 16;
constexpr uint64_t kSplit = kPadSize / 2;
constexpr size_t kWindow = 16;

std::vector<uint8_t> WithIndex(std::vector<uint8_t> package, uint64_t index, bool otc1) {
  const size_t at = otc1 ? 0 : 2, width = otc1 ? 6 : 8;
  for (size_t i = 0; i < width; ++i) package[at + i] = static_cast<uint8_t>(index >> (8 * i));
  return package;
}

class MaliciousClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(testing::MakeStores(dir_, {Pair{"alice", "bob", Format::kOtc2, kPadSize, 41},
                                           Pair{"alice", "carol", Format::kOtc1, kPadSize, 42}}));
    // Every 16-byte run of either pad, in both stream directions.
    for (uint64_t seed : {41, 42}) {
      std::vector<uint8_t> pad = testing::PadBytes(seed, 0, kPadSize);
      for (int pass = 0; pass < 2; ++pass) {
        for (size_t i = 0; i + kWindow <= pad.size(); ++i) {
          windows_.emplace(reinterpret_cast<const char*>(pad.data() + i), kWindow);
        }
        std::reverse(pad.begin(), pad.end());
      }
    }
  }

  // True if `bytes` contains any 16 consecutive pad bytes.
  bool HoldsPad(std::string_view bytes) const {
    for (size_t i = 0; i + kWindow <= bytes.size(); ++i) {
      if (windows_.contains(std::string(bytes.substr(i, kWindow)))) return true;
    }
    return false;
  }

  void CheckNoPad(const RpcClient::Reply& r) {
    EXPECT_FALSE(HoldsPad(r.raw)) << r.raw;
    if (!r.body.is_object()) return;
    for (const auto& item : r.body.items()) {
      if (!item.value().is_string()) continue;
      auto decoded = Base64Decode(item.value().get<std::string>());
      if (decoded.ok()) {
        EXPECT_FALSE(HoldsPad(AsChars(*decoded))) << item.key();
      }
    }
  }

  RpcClient::Reply Expect(RpcClient::Reply r, int status, const std::string& category) {
    EXPECT_EQ(r.status, status) << r.raw;
    EXPECT_EQ(r.body["error"], category) << r.raw;
    CheckNoPad(r);
    ++refusals_;
    return r;
  }

  TestDir dir_{kStorePlace};
  std::unordered_set<std::string> windows_;
  int refusals_ = 0;
};

TEST_F(MaliciousClientTest, EverythingHostileIsRefusedLoggedAndCostsNothing) {
  auto bob = Daemon::Start(StoreDir(dir_, "bob"), {"--confirm", "auto"});
  auto carol = Daemon::Start(StoreDir(dir_, "carol"), {"--confirm", "auto"});
  auto alice = Daemon::Start(StoreDir(dir_, "alice"), {"--confirm", "auto"});
  ASSERT_TRUE(alice && bob && carol);
  RpcClient b(bob->address()), c(carol->address()), evil(alice->address());

  // Honest traffic: bob and carol each send alice two messages.
  auto b1 = b.Package("alice", "bob one"), b2 = b.Package("alice", "bob two");
  auto c1 = c.Package("alice", "carol one");
  ASSERT_EQ(b1.status, 200);
  ASSERT_EQ(b2.status, 200);
  ASSERT_EQ(c1.status, 200);
  std::vector<uint8_t> pb1 = *Base64Decode(b1.body["package"].get<std::string>());
  std::vector<uint8_t> pb2 = *Base64Decode(b2.body["package"].get<std::string>());
  std::vector<uint8_t> pc1 = *Base64Decode(c1.body["package"].get<std::string>());
  auto first = evil.Unpackage("bob", b1.body["package"]);
  ASSERT_EQ(first.status, 200);
  CheckNoPad(first);

  // 1. Replay an old message to get it decrypted again: the identical package is only
  //    "already read" (no text), and any other package on that pad is a replay.
  auto again = evil.Unpackage("bob", b1.body["package"]);
  ASSERT_EQ(again.status, 200) << again.raw;
  EXPECT_EQ(again.body["already_read"], true);
  EXPECT_EQ(again.body["message"], "");
  std::vector<uint8_t> altered = pb1;
  altered.back() ^= 1;
  Expect(evil.Unpackage("bob", Base64Encode(altered)), 409, "replay");
  // 2. Send alice's own outgoing packages back as if from the peer (would XOR alice's
  //    sending pad into the answer).
  for (const char* peer : {"bob", "carol"}) {
    auto own = evil.Package(peer, "my own words");
    ASSERT_EQ(own.status, 200);
    CheckNoPad(own);
    Expect(evil.Unpackage(peer, own.body["package"]), 400, "bad_request");
  }
  // 3. Claim the package comes from the owner herself.
  Expect(evil.Unpackage("alice", b2.body["package"]), 400, "bad_request");
  // 4. Move the index: into alice's half, across the split, past the end, far away.
  for (uint64_t index : {uint64_t{0}, uint64_t{100}, kSplit - 1, kSplit + 5, kPadSize,
                         kPadSize + 1000, uint64_t{1} << 40}) {
    SCOPED_TRACE(index);
    Expect(evil.Unpackage("bob", Base64Encode(WithIndex(pb2, index, false))), 400, "bad_request");
  }
  for (uint64_t index : {uint64_t{7}, kSplit + 2, kPadSize}) {
    Expect(evil.Unpackage("carol", Base64Encode(WithIndex(pc1, index, true))), 400, "bad_request");
  }
  // 5. A huge announced length (otc2 body_len) or garbage version.
  std::vector<uint8_t> huge = pb2;
  huge[10] = huge[11] = huge[12] = huge[13] = 0xff;
  auto h = evil.Unpackage("bob", Base64Encode(huge));
  EXPECT_TRUE(h.status == 400 || h.status == 413) << h.raw;
  CheckNoPad(h);
  ++refusals_;
  std::vector<uint8_t> version = pb2;
  version[0] = 0x07;
  Expect(evil.Unpackage("bob", Base64Encode(version)), 400, "bad_request");
  // 6. Tamper with the ciphertext: an integrity failure that consumes nothing.
  std::vector<uint8_t> flipped = pb2;
  flipped[20] ^= 0x80;
  Expect(evil.Unpackage("bob", Base64Encode(flipped)), 422, "integrity");
  // 7. A package from one contact presented as another's: read as otc1, its first six
  //    bytes name an index far outside carol's half.
  Expect(evil.Unpackage("carol", b2.body["package"]), 400, "bad_request");
  //    ... and one whose index happens to fit: the tag cannot verify.
  std::vector<uint8_t> as_otc1 = pb2;
  as_otc1.resize(pb2.size() + 8);  // long enough to read as an otc1 package
  Expect(evil.Unpackage("carol", Base64Encode(WithIndex(as_otc1, kPadSize - 1, true))), 422,
         "integrity");
  // 8. Ask the device to package as someone else, or for strangers.
  Expect(evil.Post("/v1/package", {{"to", "bob"}, {"from", "carol"}, {"message", "x"}}), 400,
         "bad_request");
  Expect(evil.Package("mallory", "x"), 404, "unknown_contact");
  Expect(evil.Package("alice", "x"), 400, "bad_request");
  Expect(evil.Package("../bob", "x"), 400, "bad_request");
  Expect(evil.Unpackage("../../bob", b2.body["package"]), 400, "bad_request");

  // Every refusal is in alice's device audit log: a line each, or counted on a summary
  // line once repeats from one peer are coalesced (padstore/audit_log.h).
  std::string audit = testing::ReadText(StoreDir(dir_, "alice") + "/device-audit.log");
  const auto events = padstore::CountAuditEvents(audit);
  const uint64_t logged = (events.contains("REFUSED") ? events.at("REFUSED") : 0) +
                          (events.contains("BAD_REQUEST") ? events.at("BAD_REQUEST") : 0);
  EXPECT_GE(logged, uint64_t(refusals_)) << audit;
  EXPECT_EQ(audit.find("bob one"), std::string::npos);
  EXPECT_EQ(audit.find("bob two"), std::string::npos);

  // The honest messages still decrypt: nothing above consumed peer pad.
  ASSERT_TRUE(alice->Alive());
  auto genuine2 = evil.Unpackage("bob", b2.body["package"]);
  ASSERT_EQ(genuine2.status, 200) << genuine2.raw;
  genuine2.body.erase("sent");  // the sender's clock: not what this test is about
  EXPECT_EQ(genuine2.body, json::parse(R"({"message":"bob two","index":)" +
                                       std::to_string(b2.body["index"].get<uint64_t>()) +
                                       R"(,"skipped":false,"late":false})"));
  auto genuine_c = evil.Unpackage("carol", c1.body["package"]);
  ASSERT_EQ(genuine_c.status, 200) << genuine_c.raw;
  EXPECT_EQ(genuine_c.body["message"], "carol one");
  EXPECT_EQ(genuine_c.body["skipped"], false);
}

}  // namespace
}  // namespace otc::device
