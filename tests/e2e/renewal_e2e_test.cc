// End to end, pad renewal: a package made on a pad still decrypts after the pair renewed
// it with a second padgen run, new messages use the new pad generation (the index's top
// 16 bits), and once the old generation is retired its packages are refused as retired.
// Real padgen, padstore, otc-relay, otc-device daemons and otc client on Unix sockets.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "tests/e2e/cluster.h"

namespace otc::e2e {
namespace {

using nlohmann::json;

uint64_t GenerationOf(const json& message) { return message["index"].get<uint64_t>() >> 48; }

TEST(RenewalE2ETest, OldPackagesDecryptAfterRenewalNewOnesUseTheNewPadRetiredOnesAreRefused) {
  Cluster c({{"alice", "bob"}}, "64K");
  ASSERT_EQ(c.error(), "");
  ASSERT_TRUE(c.StartAll()) << c.error();
  RunResult sent = c.Otc("send", "alice", {"bob", "on the old pad"});
  ASSERT_EQ(sent.exit_code, 0) << sent.out << sent.err;
  c.StopDevices();

  // A generation-0 package kept aside, to arrive after the retirement.
  RunResult kept = e2e::Run({OTC_DEVICE_BIN, "package", "--store", c.Store("alice"), "--to", "bob",
                             "--message", "kept aside"},
                            c.dir());
  ASSERT_EQ(kept.exit_code, 0) << kept.err;
  const std::string kept_package = kept.out.substr(0, kept.out.find('\n'));

  // The pair meets again.
  RunResult renew = e2e::Run({PADGEN_BIN, "--size", "128K", "--user", "alice=" + c.Store("alice"),
                              "--user", "bob=" + c.Store("bob")},
                             c.dir());
  ASSERT_EQ(renew.exit_code, 0) << renew.out << renew.err;
  EXPECT_NE((renew.out + renew.err).find("generation 1 of contact bob"), std::string::npos)
      << renew.out << renew.err;

  ASSERT_TRUE(c.StartDevice("alice")) << c.error();
  ASSERT_TRUE(c.StartDevice("bob")) << c.error();
  sent = c.Otc("send", "alice", {"bob", "on the new pad"});
  ASSERT_EQ(sent.exit_code, 0) << sent.out << sent.err;

  RunResult got = c.Otc("recv", "bob", {"--json"});
  ASSERT_EQ(got.exit_code, 0) << got.err;
  std::vector<json> messages;
  for (const std::string& line : Lines(got.out)) {
    if (!line.empty()) messages.push_back(json::parse(line));
  }
  ASSERT_EQ(messages.size(), 2u) << got.out;
  EXPECT_EQ(messages[0]["text"], "on the old pad");
  EXPECT_EQ(GenerationOf(messages[0]), 0u);
  EXPECT_EQ(messages[1]["text"], "on the new pad");
  EXPECT_EQ(GenerationOf(messages[1]), 1u);
  for (const json& m : messages) EXPECT_TRUE(m["warnings"].empty()) << m.dump();

  // Pad left counts both generations: 32K + 64K own halves.
  RunResult contacts = c.Otc("contacts", "alice", {"--json"});
  ASSERT_EQ(contacts.exit_code, 0) << contacts.err;
  const json bob = json::parse(contacts.out)["contacts"][0];
  EXPECT_EQ(bob["pad_total"], 32 * 1024 + 64 * 1024) << contacts.out;
  EXPECT_EQ(bob["generations"], 2) << contacts.out;
  RunResult contacts_text = c.Otc("contacts", "alice", {});
  EXPECT_NE(contacts_text.out.find("(2 pad generations)"), std::string::npos) << contacts_text.out;

  c.StopDevices();
  RunResult retire =
      c.Padstore({"retire", "--yes", "--store", c.Store("bob"), "--contact", "alice"});
  ASSERT_EQ(retire.exit_code, 0) << retire.out << retire.err;
  RunResult status = c.Padstore({"status", "--json", "--store", c.Store("bob")});
  ASSERT_EQ(status.exit_code, 0) << status.err;
  json s = json::parse(status.out);
  ASSERT_EQ(s["contacts"][0]["generations"].size(), 1u);
  EXPECT_EQ(s["contacts"][0]["generations"][0]["generation"], 1);

  RunResult refused = e2e::Run({OTC_DEVICE_BIN, "unpackage", "--store", c.Store("bob"), "--from",
                                "alice", "--package", kept_package, "--json"},
                               c.dir());
  // The device's bad_request category is the CLI's exit 2 ("usage"); a replay would be 6.
  EXPECT_EQ(refused.exit_code, 2) << refused.out << refused.err;
  EXPECT_EQ(json::parse(refused.out)["error"], "usage") << refused.out;
  EXPECT_NE((refused.out + refused.err).find("retired"), std::string::npos) << refused.out;

  for (std::string u : {"alice", "bob"}) {
    RunResult fsck = c.Padstore({"fsck", "--store", c.Store(u)});
    EXPECT_EQ(fsck.exit_code, 0) << u << ": " << fsck.out << fsck.err;
  }
}

}  // namespace
}  // namespace otc::e2e
