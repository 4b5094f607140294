// The otc2 envelope on the device: the sender's clock and the witness go out with every
// package; a witness beyond our own pad position (our store was rolled back) moves the
// position past it durably, with an audit line and `rollback` in the reply; and a
// bit-identical restore of a store (same inodes, so copy detection cannot see it) is
// caught by the peer's next package before the restored store reuses pad again.
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "chat/device/device_service.h"
#include "chat/protocol/protocol.h"
#include "chat/rpc/device_rpc.h"
#include "common/encoding.h"
#include "common/fault_injection_env.h"
#include "tests/device/device_test_util.h"

namespace otc::device {
namespace {

using testing::PadBytes;
using testing::Pair;
using testing::ReadText;
using testing::kStorePlace;
using testing::StoreDir;

constexpr uint64_t kSeed = 21;
// 8 MiB: a 4 MiB half leaves room for the recover margin, max(1 MiB, 1% of the half).
constexpr uint64_t kPadSize = uint64_t{8} << 20;
constexpr uint64_t kHalf = kPadSize / 2;
constexpr uint64_t kMargin = uint64_t{1} << 20;
constexpr int64_t kAliceClock = 1796569200123;  // 2026-12-06T15:00:00.123Z
// otc2 pad cost with the device's 21-byte envelope (docs/PROTOCOL.md): m + 53.
uint64_t Cost(uint64_t m) { return m + 53; }

std::span<const uint8_t> Bytes(std::string_view s) { return AsBytes(s); }
std::string Text(const SecretBuffer& b) {
  return std::string(reinterpret_cast<const char*>(b.data()), b.size());
}

class WitnessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(testing::MakeStores(dir_, {Pair{"alice", "bob", Format::kOtc2, kPadSize, kSeed}}));
  }

  std::unique_ptr<DeviceService> Open(const std::string& user, int64_t clock_ms = 0) {
    DeviceOptions options;
    options.confirm = *ConfirmPolicy::Parse("auto");
    if (clock_ms != 0) options.clock_ms = [clock_ms] { return clock_ms; };
    auto s = DeviceService::Open(StoreDir(dir_, user), std::move(options));
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    return s.ok() ? std::move(*s) : nullptr;
  }

  // Decrypts a package bob made (direction -1, from the top of the pad) with the pad bytes
  // themselves, independently of alice's device, and returns its envelope.
  protocol::Envelope EnvelopeOfBobsPackage(const std::vector<uint8_t>& package) {
    auto header = protocol::ParsePackageHeader(Format::kOtc2, package);
    EXPECT_TRUE(header.ok());
    const uint64_t lo = kHalf;
    const auto pad = PadBytes(kSeed, lo, kPadSize);
    protocol::MemoryPadStream stream(pad, header->index, protocol::Direction::kDown, lo);
    protocol::Envelope envelope;
    auto plain = protocol::Unpackage(Format::kOtc2, package, protocol::Direction::kDown, stream, {},
                                     &envelope);
    EXPECT_TRUE(plain.ok()) << plain.status().ToString();
    return envelope;
  }

  // A package as bob's device would make it, but with any witness we like: the pad is
  // known to the test. `offset` is bob's stream offset (index kPadSize - 1 - offset).
  std::vector<uint8_t> BobPackage(std::string_view text, uint64_t witness, uint64_t offset) {
    const uint64_t index = kPadSize - 1 - offset;
    const auto pad = PadBytes(kSeed, kHalf, kPadSize);
    protocol::MemoryPadStream stream(pad, index, protocol::Direction::kDown, kHalf);
    protocol::Options options;
    options.envelope = protocol::Envelope{kAliceClock - 5000, witness};
    auto package = protocol::Package(Format::kOtc2, Bytes(text), index, protocol::Direction::kDown,
                                     stream, options);
    EXPECT_TRUE(package.ok()) << package.status().ToString();
    return package.ok() ? *package : std::vector<uint8_t>{};
  }

  TestDir dir_{kStorePlace};
};

TEST_F(WitnessTest, SentTimeTravelsAndTheWitnessIsWhatWasDecrypted) {
  auto alice = Open("alice", kAliceClock);
  auto bob = Open("bob");
  auto p1 = alice->Package("bob", Bytes("hello bob"));
  ASSERT_TRUE(p1.ok()) << p1.status().ToString();
  EXPECT_EQ(p1->package.size(), 9u + 51);  // m + 51 with the envelope
  EXPECT_EQ(p1->pad_left, kHalf - Cost(9));
  auto u1 = bob->Unpackage("alice", p1->package);
  ASSERT_TRUE(u1.ok()) << u1.status().ToString();
  EXPECT_EQ(Text(u1->plaintext), "hello bob");
  EXPECT_EQ(u1->sent_ms, std::optional<int64_t>(kAliceClock));
  EXPECT_FALSE(u1->rollback);

  // The reply carries it: "sent" in ms, no "rollback".
  const std::string reply = rpc::EncodeUnpackageReply(u1->plaintext.span(), ReplyFacts(*u1));
  auto j = nlohmann::json::parse(reply);
  EXPECT_EQ(j["sent"], kAliceClock);
  EXPECT_FALSE(j.contains("rollback"));

  // bob has decrypted alice's stream up to Cost(9): his next package says so.
  const int64_t before = std::chrono::duration_cast<std::chrono::milliseconds>(
                             std::chrono::system_clock::now().time_since_epoch())
                             .count();
  auto p2 = bob->Package("alice", Bytes("hi alice"));
  ASSERT_TRUE(p2.ok());
  const int64_t after = std::chrono::duration_cast<std::chrono::milliseconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count();
  protocol::Envelope e = EnvelopeOfBobsPackage(p2->package);
  EXPECT_EQ(e.witness, std::optional<uint64_t>(Cost(9)));
  ASSERT_TRUE(e.sent_ms.has_value());  // bob's device uses the system clock
  EXPECT_GE(*e.sent_ms, before);
  EXPECT_LE(*e.sent_ms, after);
  // A witness that is not beyond alice's position changes nothing.
  auto u2 = alice->Unpackage("bob", p2->package);
  ASSERT_TRUE(u2.ok());
  EXPECT_FALSE(u2->rollback);
  EXPECT_EQ(ReadText(StoreDir(dir_, "alice") + "/device-audit.log").find("ROLLBACK"),
            std::string::npos);
  auto p3 = alice->Package("bob", Bytes("again"));
  ASSERT_TRUE(p3.ok());
  EXPECT_EQ(p3->index, Cost(9));  // direction +1: the index is the stream offset
}

TEST_F(WitnessTest, PackagesWithoutTheEnvelopeAreStillAccepted) {
  auto alice = Open("alice");
  const uint64_t index = kPadSize - 1;
  const auto pad = PadBytes(kSeed, kHalf, kPadSize);
  protocol::MemoryPadStream stream(pad, index, protocol::Direction::kDown, kHalf);
  auto package = protocol::Package(Format::kOtc2, Bytes("old client"), index,
                                   protocol::Direction::kDown, stream);
  ASSERT_TRUE(package.ok());
  auto u = alice->Unpackage("bob", *package);
  ASSERT_TRUE(u.ok()) << u.status().ToString();
  EXPECT_EQ(Text(u->plaintext), "old client");
  EXPECT_FALSE(u->sent_ms.has_value());
  EXPECT_FALSE(u->rollback);
  auto j = nlohmann::json::parse(rpc::EncodeUnpackageReply(u->plaintext.span(), ReplyFacts(*u)));
  EXPECT_FALSE(j.contains("sent"));
}

TEST_F(WitnessTest, WitnessBeyondOurPositionMovesItDurablyWithAuditAndReplyFlag) {
  constexpr uint64_t kWitness = 300000;
  {
    auto alice = Open("alice");
    auto p = alice->Package("bob", Bytes("before"));
    ASSERT_TRUE(p.ok());
    ASSERT_EQ(p->index, 0u);
    auto u = alice->Unpackage("bob", BobPackage("you are behind", kWitness, 0));
    ASSERT_TRUE(u.ok()) << u.status().ToString();
    EXPECT_EQ(Text(u->plaintext), "you are behind");
    EXPECT_TRUE(u->rollback);
    EXPECT_EQ(u->rollback_skipped, kWitness + kMargin - Cost(6));
    auto j = nlohmann::json::parse(rpc::EncodeUnpackageReply(u->plaintext.span(), ReplyFacts(*u)));
    EXPECT_EQ(j["rollback"], true);
    EXPECT_EQ(j["sent"], kAliceClock - 5000);
    const std::string audit = ReadText(StoreDir(dir_, "alice") + "/device-audit.log");
    EXPECT_NE(audit.find("ROLLBACK peer=bob generation=0 witness=300000"), std::string::npos) << audit;
    const std::string contact_audit = ReadText(StoreDir(dir_, "alice") + "/contacts/bob/audit.log");
    EXPECT_NE(
        contact_audit.find("ROLLBACK peer=bob witness=300000 old_mark=" + std::to_string(Cost(6)) +
                           " new_mark=" + std::to_string(kWitness + kMargin)),
        std::string::npos)
        << contact_audit;
    // Abandon instead of a clean close would be harsher; the move was durable before the
    // reply: a crash right now must not forget it. Reopen through padstore, read-only.
    padstore::StoreOptions ro;
    ro.read_only = true;
    auto peek = padstore::Store::Open(StoreDir(dir_, "alice"), ro);
    ASSERT_TRUE(peek.ok()) << peek.status().ToString();
    auto info = (*peek)->Info("bob");
    ASSERT_TRUE(info.ok());
    EXPECT_GE(info->own_used, kWitness + kMargin);
  }
  auto alice = Open("alice");  // reopened after a clean close
  auto next = alice->Package("bob", Bytes("after"));
  ASSERT_TRUE(next.ok()) << next.status().ToString();
  EXPECT_EQ(next->index, kWitness + kMargin);
  // The same witness again (or a lower one) moves nothing.
  auto again = alice->Unpackage("bob", BobPackage("again", kWitness, 1000));
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_FALSE(again->rollback);
}

TEST_F(WitnessTest, AFailedMoveStopsTheStoreAndThePackageIsHeededAfterARestart) {
  FaultInjectionEnv env;
  const auto package = BobPackage("you are behind", 300000, 0);
  {
    DeviceOptions options;
    options.confirm = *ConfirmPolicy::Parse("auto");
    options.store.env = &env;
    auto alice = DeviceService::Open(StoreDir(dir_, "alice"), std::move(options));
    ASSERT_TRUE(alice.ok()) << alice.status().ToString();
    env.FailNthSync(1, 5, "journal");  // the moved mark's new journal cannot be synced
    auto u = (*alice)->Unpackage("bob", package);
    ASSERT_FALSE(u.ok());
    EXPECT_EQ(u.status().code(), Status::Code::kInternal);
    EXPECT_FALSE((*alice)->Healthy());  // fail-stop: nothing is packaged with the old mark
    EXPECT_EQ((*alice)->Package("bob", Bytes("x")).status().code(), Status::Code::kInternal);
    env.ClearFaults();
  }
  // After a restart the same package is not a replay (its decrypt was never recorded): it
  // is decrypted, and its witness moves the mark this time.
  auto alice = Open("alice");
  auto u = alice->Unpackage("bob", package);
  ASSERT_TRUE(u.ok()) << u.status().ToString();
  EXPECT_TRUE(u->rollback);
  auto p = alice->Package("bob", Bytes("after"));
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->index, 300000 + kMargin);
}

TEST_F(WitnessTest, WitnessPastTheHalfEndsThePad) {
  auto alice = Open("alice");
  auto u = alice->Unpackage("bob", BobPackage("far", kHalf + 12345, 0));
  ASSERT_TRUE(u.ok()) << u.status().ToString();
  EXPECT_TRUE(u->rollback);
  auto p = alice->Package("bob", Bytes("x"));
  EXPECT_EQ(p.status().code(), Status::Code::kExhausted) << p.status().ToString();
}

TEST_F(WitnessTest, ForgedWitnessMovesNothing) {
  auto alice = Open("alice");
  auto forged = BobPackage("forged", 300000, 0);
  forged[20] ^= 1;  // in the ciphertext: the tag no longer verifies
  auto u = alice->Unpackage("bob", forged);
  EXPECT_EQ(u.status().code(), Status::Code::kIntegrity);
  auto p = alice->Package("bob", Bytes("x"));
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->index, 0u);
}

// ---- a bit-identical restore ----------------------------------------------------------

// Every regular file of a directory tree, saved as bytes and kept alive by a hard link
// (so that the restore puts back the very same inodes, with their birth times: what a
// block-level snapshot restored in place does, and what copy detection cannot see).
class InodeKeepingSnapshot {
 public:
  InodeKeepingSnapshot(const std::string& root, const std::string& keep_dir)
      : root_(root), keep_dir_(keep_dir) {
    mkdir(keep_dir.c_str(), 0700);
    Walk(root, [&](const std::string& path) {
      const std::string link_path = keep_dir + "/" + std::to_string(files_.size());
      EXPECT_EQ(link(path.c_str(), link_path.c_str()), 0) << path;
      std::ifstream in(path, std::ios::binary);
      std::stringstream ss;
      ss << in.rdbuf();
      files_[path] = {link_path, ss.str()};
    });
  }

  // Puts every saved inode back at its path, rewrites it with the saved bytes, and removes
  // files that did not exist when the snapshot was taken.
  void Restore() {
    Walk(root_, [&](const std::string& path) {
      if (!files_.contains(path)) {
        EXPECT_EQ(unlink(path.c_str()), 0) << path;
      }
    });
    for (const auto& [path, saved] : files_) {
      ASSERT_EQ(rename(saved.link.c_str(), path.c_str()), 0) << path;
      int fd = open(path.c_str(), O_WRONLY | O_TRUNC);
      ASSERT_GE(fd, 0) << path;
      ASSERT_EQ(write(fd, saved.bytes.data(), saved.bytes.size()),
                static_cast<ssize_t>(saved.bytes.size()));
      fsync(fd);
      close(fd);
    }
  }

 private:
  template <typename F>
  static void Walk(const std::string& dir, F&& on_file) {
    DIR* d = opendir(dir.c_str());
    if (d == nullptr) return;
    std::vector<std::string> names;
    while (dirent* e = readdir(d)) {
      std::string name = e->d_name;
      if (name != "." && name != "..") names.push_back(name);
    }
    closedir(d);
    for (const std::string& name : names) {
      const std::string path = dir + "/" + name;
      struct stat st;
      if (lstat(path.c_str(), &st) != 0) continue;
      if (S_ISDIR(st.st_mode)) {
        Walk(path, on_file);
      } else if (S_ISREG(st.st_mode)) {
        on_file(path);
      }
    }
  }

  struct Saved {
    std::string link;
    std::string bytes;
  };
  std::string root_;
  std::string keep_dir_;
  std::map<std::string, Saved> files_;
};

TEST_F(WitnessTest, BitIdenticalRestoreIsCaughtByThePeersNextPackage) {
  auto bob = Open("bob");
  {
    auto alice = Open("alice");
    auto m1 = alice->Package("bob", Bytes("one"));
    ASSERT_TRUE(m1.ok());
    ASSERT_TRUE(bob->Unpackage("alice", m1->package).ok());
  }
  // alice's device is closed: snapshot her store.
  InodeKeepingSnapshot snapshot(StoreDir(dir_, "alice"), dir_.File("alice-snapshot"));
  uint64_t used_end = 0;  // alice's stream offset past m3
  {
    auto alice = Open("alice");
    auto m2 = alice->Package("bob", Bytes("attack at dawn!!"));
    auto m3 = alice->Package("bob", Bytes("three"));
    ASSERT_TRUE(m2.ok() && m3.ok());
    EXPECT_EQ(m2->index, Cost(3));
    EXPECT_EQ(m3->index, Cost(3) + Cost(16));
    used_end = m3->index + Cost(5);
    ASSERT_TRUE(bob->Unpackage("alice", m2->package).ok());
    ASSERT_TRUE(bob->Unpackage("alice", m3->package).ok());
  }
  snapshot.Restore();

  auto alice = Open("alice");
  // Copy detection sees nothing: the inodes and birth times are the original ones.
  {
    padstore::StoreOptions ro;
    ro.read_only = true;
    auto peek = padstore::Store::Open(StoreDir(dir_, "alice"), ro);
    ASSERT_TRUE(peek.ok());
    auto info = (*peek)->Info("bob");
    ASSERT_TRUE(info.ok());
    EXPECT_FALSE(info->needs_recovery);
    EXPECT_EQ(info->own_used, Cost(3));  // the restored position: m2 and m3 are forgotten
  }
  // bob's next package witnesses that he has seen alice's pad up to used_end.
  auto b1 = bob->Package("alice", Bytes("did you say dawn?"));
  ASSERT_TRUE(b1.ok());
  auto u = alice->Unpackage("bob", b1->package);
  ASSERT_TRUE(u.ok()) << u.status().ToString();
  EXPECT_TRUE(u->rollback);
  EXPECT_EQ(Text(u->plaintext), "did you say dawn?");
  // alice's next package uses fresh pad: past everything bob saw, plus the margin.
  auto m4 = alice->Package("bob", Bytes("retreat at nine!"));
  ASSERT_TRUE(m4.ok()) << m4.status().ToString();
  EXPECT_EQ(m4->index, used_end + kMargin);
  auto u4 = bob->Unpackage("alice", m4->package);
  ASSERT_TRUE(u4.ok()) << u4.status().ToString();  // not a replay: fresh pad
  EXPECT_EQ(Text(u4->plaintext), "retreat at nine!");
  EXPECT_GT(u4->skipped, 0u);  // bob sees the skipped margin
}

}  // namespace
}  // namespace otc::device
