// Pair mode: padgen --user alice=DIR_A --user bob=DIR_B writes the pad into both users'
// padstores and registers the contacts. These tests use the real padstore and protocol.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>

#include "chat/protocol/protocol.h"
#include "common/encoding.h"
#include "common/fault_injection_env.h"
#include "padgen/job.h"
#include "padgen/stream_source.h"
#include "padstore/fsck.h"
#include "padstore/store.h"
#include "padstore/store_paths.h"
#include "test_util.h"

namespace otc::padgen {
namespace {

using namespace testing;  // tests/padgen/test_util.h

class PairTest : public ::testing::Test {
 protected:
  std::string StoreA() { return dir_.File("alice-drive/otc"); }
  std::string StoreB() { return dir_.File("bob-drive/otc"); }

  JobOptions Pair(uint64_t size) {
    JobOptions o;
    o.size = size;
    o.chunk_size = 256 << 10;
    o.users = {{"alice", StoreA()}, {"bob", StoreB()}};
    return o;
  }

  JobOutcome Run(const JobOptions& o, const JobHooks& hooks = {}) {
    return testing::RunJobCapturing(o, hooks, cancel_, &messages_, 50);
  }

  // No contact entry (meta) exists in either store.
  void ExpectNoContacts() {
    EXPECT_FALSE(Exists(padstore::StorePaths(StoreA()).Meta("bob")));
    EXPECT_FALSE(Exists(padstore::StorePaths(StoreB()).Meta("alice")));
  }

  TestDir dir_;
  std::atomic<bool> cancel_{false};
  std::string messages_;
};

TEST_F(PairTest, SixtyFourMebibytePairPadIsReadyForBothDevices) {
  JobOptions o = Pair(64 << 20);
  o.chunk_size = 4 << 20;
  JobOutcome out = Run(o);
  ASSERT_EQ(out.exit_code, kExitOk) << out.status.ToString() << "\n" << messages_;

  padstore::StorePaths a(StoreA()), b(StoreB());
  // Both copies byte-identical, both manifests complete and matching.
  std::vector<uint8_t> pad_a = ReadAll(a.Pad("bob"));
  ASSERT_EQ(pad_a.size(), 64u << 20);
  EXPECT_TRUE(pad_a == ReadAll(b.Pad("alice")));
  for (auto [m, p] : {std::pair{a.Manifest("bob"), a.Pad("bob")},
                      std::pair{b.Manifest("alice"), b.Pad("alice")}}) {
    auto c = CheckManifest(m, p);
    EXPECT_TRUE(c.complete) << m;
    EXPECT_TRUE(c.digests_match) << m;
  }
  EXPECT_EQ(testing::FileMode(a.Pad("bob")), 0600u);

  // Both stores pass fsck (which reads every unused chunk against the manifest).
  for (const std::string& store : {StoreA(), StoreB()}) {
    padstore::FsckReport report = padstore::Fsck(store, {});
    EXPECT_EQ(report.ExitCode(), 0) << store;
    for (const auto& p : report.problems)
      ADD_FAILURE() << store << ": " << p.where << ": " << p.what;
    ASSERT_EQ(report.contacts.size(), 1u);
    EXPECT_EQ(report.contacts[0].chunks_verified, 16u);
  }

  // Contacts: alice has bob (+1), bob has alice (-1), otc2, same pad id.
  auto sa = padstore::Store::Open(StoreA());
  auto sb = padstore::Store::Open(StoreB());
  ASSERT_TRUE(sa.ok()) << sa.status().ToString();
  ASSERT_TRUE(sb.ok()) << sb.status().ToString();
  auto ia = (*sa)->Info("bob");
  auto ib = (*sb)->Info("alice");
  ASSERT_TRUE(ia.ok() && ib.ok());
  EXPECT_EQ(ia->meta.direction, Direction::kUp);
  EXPECT_EQ(ib->meta.direction, Direction::kDown);
  EXPECT_EQ(ia->meta.format, Format::kOtc2);
  EXPECT_EQ(ia->meta.pad_id, ib->meta.pad_id);
  EXPECT_EQ(HexEncode(ia->meta.pad_id), out.summary["pad_id"].get<std::string>());

  // A message packaged on alice's store unpackages on bob's.
  const std::string text = "meet at the usual place at nine";
  std::vector<uint8_t> message(text.begin(), text.end());
  auto cost = protocol::PadCost(protocol::Format::kOtc2, message.size());
  ASSERT_TRUE(cost.ok());
  auto r = (*sa)->Reserve("bob", *cost);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  protocol::MemoryPadStream send_stream(r->pad.span(), r->range.first_index,
                                        protocol::Direction::kUp, r->range.first_index);
  auto package = protocol::Package(protocol::Format::kOtc2, message, r->range.first_index,
                                   protocol::Direction::kUp, send_stream);
  ASSERT_TRUE(package.ok()) << package.status().ToString();
  ASSERT_TRUE((*sa)->MarkUsed(r->range).ok());

  auto header = protocol::ParsePackageHeader(protocol::Format::kOtc2, *package);
  ASSERT_TRUE(header.ok());
  auto range = (*sb)->BeginDecrypt("alice", header->index, header->pad_length);
  ASSERT_TRUE(range.ok()) << range.status().ToString();
  auto pad = (*sb)->ReadPad(*range);
  ASSERT_TRUE(pad.ok());
  protocol::MemoryPadStream recv_stream(pad->span(), header->index, protocol::Direction::kUp,
                                        header->index);
  auto plain =
      protocol::Unpackage(protocol::Format::kOtc2, *package, protocol::Direction::kUp, recv_stream);
  ASSERT_TRUE(plain.ok()) << plain.status().ToString();
  EXPECT_EQ(std::string(plain->span().begin(), plain->span().end()), text);
  EXPECT_TRUE((*sb)->CommitDecrypt(*range).ok());
  EXPECT_TRUE((*sa)->Close().ok());
  EXPECT_TRUE((*sb)->Close().ok());
}

TEST_F(PairTest, Otc1ProtocolIsRecorded) {
  JobOptions o = Pair(1 << 20);
  o.format = Format::kOtc1;
  ASSERT_EQ(Run(o).exit_code, kExitOk);
  auto sa = padstore::Store::Open(StoreA());
  ASSERT_TRUE(sa.ok());
  EXPECT_EQ((*sa)->Info("bob")->meta.format, Format::kOtc1);
}

TEST_F(PairTest, FailureMidRunRegistersNothingAndResumeRegistersBoth) {
  FaultInjectionEnv env;  // bob's drive has a bad region at 1 MiB (only the pad is as long)
  env.FailWritesInRange(1 << 20, (1 << 20) + 1, EIO, "bob-drive");
  JobHooks hooks;
  hooks.env = &env;
  JobOutcome out = Run(Pair(4 << 20), hooks);
  ASSERT_EQ(out.exit_code, kExitFailed);
  EXPECT_NE(out.status.message().find("bob"), std::string::npos) << out.status.message();
  ExpectNoContacts();
  JobOptions o = Pair(4 << 20);
  o.resume = true;
  out = Run(o);
  ASSERT_EQ(out.exit_code, kExitOk) << out.status.ToString();
  EXPECT_TRUE(Exists(padstore::StorePaths(StoreA()).Meta("bob")));
  EXPECT_TRUE(Exists(padstore::StorePaths(StoreB()).Meta("alice")));
  EXPECT_EQ(out.summary["registered"].size(), 2u);
}

TEST_F(PairTest, ASecondRunForThePairAddsTheNextPadGenerationToBothStores) {
  ASSERT_EQ(Run(Pair(1 << 20)).exit_code, kExitOk);
  messages_.clear();
  JobOutcome out = Run(Pair(2 << 20));
  ASSERT_EQ(out.exit_code, kExitOk) << out.status.ToString();
  EXPECT_NE(messages_.find("generation 1 of contact bob in alice's store"), std::string::npos)
      << messages_;
  EXPECT_EQ(out.summary["registered"][0]["pad_generation"], 1);
  EXPECT_EQ(out.summary["registered"][1]["pad_generation"], 1);
  const padstore::StorePaths a(StoreA()), b(StoreB());
  ASSERT_TRUE(Exists(a.Meta("bob", 1)));
  ASSERT_TRUE(Exists(b.Meta("alice", 1)));
  EXPECT_EQ(ReadAll(a.Pad("bob", 1)), ReadAll(b.Pad("alice", 1)));
  EXPECT_NE(ReadAll(a.Pad("bob", 1)), ReadAll(a.Pad("bob", 0)));
  std::vector<std::string> ids;
  for (auto [dir, peer] : {std::pair{StoreA(), "bob"}, std::pair{StoreB(), "alice"}}) {
    auto store = padstore::Store::Open(dir);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    auto gens = (*store)->Generations(peer);
    ASSERT_TRUE(gens.ok());
    ASSERT_EQ(gens->size(), 2u);
    EXPECT_EQ((*gens)[0].meta.pad_size, 1u << 20);
    EXPECT_EQ((*gens)[1].meta.pad_size, 2u << 20);
    EXPECT_NE((*gens)[1].meta.pad_id, (*gens)[0].meta.pad_id);
    ids.push_back(HexEncode((*gens)[1].meta.pad_id));
  }
  EXPECT_EQ(ids[0], ids[1]);  // one pad, both sides
  // A third run is generation 2.
  out = Run(Pair(1 << 20));
  ASSERT_EQ(out.exit_code, kExitOk) << out.status.ToString();
  EXPECT_TRUE(Exists(a.Meta("bob", 2)));
  EXPECT_TRUE(Exists(b.Meta("alice", 2)));
}

TEST_F(PairTest, AnInterruptedRenewalResumesIntoTheSameGeneration) {
  ASSERT_EQ(Run(Pair(1 << 20)).exit_code, kExitOk);
  FaultInjectionEnv env;  // bob's drive has a bad region at 1 MiB (only the pad is as long)
  env.FailWritesInRange(1 << 20, (1 << 20) + 1, EIO, "bob-drive");
  JobHooks hooks;
  hooks.env = &env;
  JobOutcome out = Run(Pair(4 << 20), hooks);
  ASSERT_EQ(out.exit_code, kExitFailed);
  const padstore::StorePaths a(StoreA()), b(StoreB());
  EXPECT_FALSE(Exists(a.Meta("bob", 1)));
  EXPECT_FALSE(Exists(b.Meta("alice", 1)));
  // Whether the unfinished generation's pad is still there depends on whether any chunk
  // was durable on both copies when the write failed (if none was, padgen removes what it
  // created): either way the resume must finish generation 1, not start a generation 2.
  JobOptions o = Pair(4 << 20);
  o.resume = true;
  out = Run(o);
  ASSERT_EQ(out.exit_code, kExitOk) << out.status.ToString();
  EXPECT_TRUE(Exists(a.Meta("bob", 1)));
  EXPECT_TRUE(Exists(b.Meta("alice", 1)));
  EXPECT_FALSE(Exists(a.GenerationDir("bob", 2)));
  EXPECT_EQ(out.summary["registered"][0]["pad_generation"], 1);
}

TEST_F(PairTest, ARenewalStoppedBetweenTheTwoRegistrationsResumesBoth) {
  ASSERT_EQ(Run(Pair(1 << 20)).exit_code, kExitOk);
  ASSERT_EQ(Run(Pair(1 << 20)).exit_code, kExitOk);
  const padstore::StorePaths a(StoreA()), b(StoreB());
  // As if the run stopped after registering alice's side only.
  ASSERT_EQ(::unlink(b.Meta("alice", 1).c_str()), 0);
  JobOptions o = Pair(1 << 20);
  o.resume = true;
  JobOutcome out = Run(o);
  ASSERT_EQ(out.exit_code, kExitOk) << out.status.ToString();
  EXPECT_TRUE(Exists(b.Meta("alice", 1)));
  EXPECT_FALSE(Exists(a.GenerationDir("bob", 2)));
  EXPECT_FALSE(Exists(b.GenerationDir("alice", 2)));
}

TEST_F(PairTest, AnOtc1PairIsNotRenewed) {
  JobOptions o = Pair(1 << 20);
  o.format = Format::kOtc1;
  ASSERT_EQ(Run(o).exit_code, kExitOk);
  JobOutcome out = Run(o);
  EXPECT_EQ(out.exit_code, kExitUsage);
  EXPECT_NE(out.status.message().find("otc1"), std::string::npos) << out.status.message();
  EXPECT_FALSE(Exists(padstore::StorePaths(StoreA()).GenerationDir("bob", 1)));
  out = Run(Pair(1 << 20));  // in otc2: refused too, the contact's index cannot say which
  EXPECT_EQ(out.exit_code, kExitUsage);
}

TEST_F(PairTest, SomeoneElsesStoreIsRefused) {
  std::filesystem::create_directories(dir_.File("bob-drive"));
  ASSERT_TRUE(padstore::Store::Init(StoreB(), "carol").ok());
  JobOutcome out = Run(Pair(1 << 20));
  EXPECT_EQ(out.exit_code, kExitUsage);
  EXPECT_NE(out.status.message().find("belongs to carol"), std::string::npos)
      << out.status.message();
  EXPECT_FALSE(Exists(StoreA()));
}

TEST_F(PairTest, StoreInUseIsReportedBeforeGenerating) {
  std::filesystem::create_directories(dir_.File("bob-drive"));
  ASSERT_TRUE(padstore::Store::Init(StoreB(), "bob").ok());
  auto daemon = padstore::Store::Open(StoreB());
  ASSERT_TRUE(daemon.ok());
  JobOutcome out = Run(Pair(1 << 20));
  EXPECT_EQ(out.exit_code, kExitUsage);
  EXPECT_NE(out.status.message().find("in use"), std::string::npos) << out.status.message();
  EXPECT_FALSE(Exists(padstore::StorePaths(StoreB()).Pad("alice")));
  ExpectNoContacts();
}

TEST_F(PairTest, BadInputsFailClearlyWithoutAHalfRegisteredContact) {
  struct Case {
    std::string name;
    std::function<void(JobOptions&, JobHooks&)> setup;
    int exit_code;
    std::string message;
  };
  ScratchMount small("tmpfs", 4 << 20);
  testing::WriteAll(dir_.File("rng"), PseudoRandom(300 << 10, 3));
  testing::WriteAll(dir_.File("a-file"), {1});
  auto scripted_eio = [](JobOptions&, JobHooks& h) {
    h.make_source = []() -> Result<std::unique_ptr<PadSource>> {
      std::vector<std::unique_ptr<ByteStream>> s;
      s.push_back(
          std::make_unique<ScriptedStream>("/dev/fake-hwrng", PseudoRandom(700 << 10, 4), EIO));
      StreamSourceOptions so;
      so.block_size = 4096;
      return std::unique_ptr<PadSource>(new StreamSource(std::move(s), so));
    };
  };
  std::vector<Case> cases = {
      {"size 0", [](JobOptions& o, JobHooks&) { o.size = 0; }, kExitUsage, "--size"},
      {"larger than free space",
       [&](JobOptions& o, JobHooks&) {
         if (small.ok()) o.users[1].dir = small.path() + "/otc";
         o.size = 8 << 20;
       },
       kExitUsage, "not enough space"},
      {"unwritable destination",
       [&](JobOptions& o, JobHooks&) { o.users[1].dir = dir_.File("a-file/otc"); }, kExitUsage,
       "not a directory"},
      {"missing HRNG", [](JobOptions& o, JobHooks&) { o.hrngs = {"/dev/otc-no-hwrng"}; },
       kExitUsage, "/dev/otc-no-hwrng"},
      {"HRNG EOF mid-run",
       [&](JobOptions& o, JobHooks&) {
         o.hrngs = {dir_.File("rng")};
         o.hrng_block = 4096;
       },
       kExitFailed, "end of file"},
      {"HRNG EIO mid-run", scripted_eio, kExitFailed, "Input/output error"},
      {"same path twice", [&](JobOptions& o, JobHooks&) { o.users[1].dir = StoreA(); }, kExitUsage,
       "same place"},
      {"third user",
       [&](JobOptions& o, JobHooks&) {
         o.users.push_back({"carol", dir_.File("carol")});
       },
       kExitUsage, "exactly two"},
  };
  for (const Case& c : cases) {
    if (c.name == "larger than free space" && !small.ok()) continue;  // needs root
    JobOptions o = Pair(1 << 20);
    JobHooks hooks;
    c.setup(o, hooks);
    JobOutcome out = Run(o, hooks);
    EXPECT_EQ(out.exit_code, c.exit_code) << c.name << ": " << out.status.ToString();
    EXPECT_NE(out.status.message().find(c.message), std::string::npos)
        << c.name << ": " << out.status.message();
    ExpectNoContacts();
    if (small.ok()) {
      EXPECT_FALSE(Exists(padstore::StorePaths(small.path() + "/otc").Meta("alice")));
      std::filesystem::remove_all(small.path() + "/otc");
    }
    // A run that failed mid-way leaves a resumable pad; start the next case afresh.
    std::filesystem::remove_all(dir_.File("alice-drive"));
    std::filesystem::remove_all(dir_.File("bob-drive"));
  }
}

}  // namespace
}  // namespace otc::padgen
