// Moving the split with the real device and store code, through seeded random walks: two
// DeviceServices (alice +1, bob -1) on a small pad (8K or 16K), an in-memory relay that
// delivers in any order, drops and duplicates packages, and crashes of either device both
// between operations (a kill, then a power cut) and inside them (a failed fsync or write:
// the operation fails, the store stops, then the power is cut). alice sends about four
// times as often as bob, so her half runs out and bob's device grants her pad from his.
//
// Checked after every step: no pad index is used by two packages ever made (THE
// invariant: a package made after a crash never reuses pad of one made before, and the
// two sides never meet); every package decrypts, at most once, to exactly the text it was
// made from (control packages: no text); a duplicate is refused as a replay or answered
// "already read"; a genuine package is never refused for its range; a power cut never
// looks like a rollback; a failed durable step fails its operation; after each power cut
// the store still holds every grant total it announced and its position past every
// package it made (packages are read with the pad itself for that). At the end, everything
// still queued is delivered, then both sides package until their pad is gone (pad a crash
// made a side forget it gave away would now be used by both), and after a clean close the
// two ledgers agree: what each side heard granted is at most what the other gave, and the
// two capacities sum to at most the pad.
//
// CI: 20 seeds x 300 steps. OTC_TEST_PROFILE=long: 2,000 seeds x 1,000 steps. A failure
// names its seed; OTC_SPLIT_WALK_SEED=N runs that one seed alone (with the long profile's
// steps if OTC_TEST_PROFILE=long), OTC_SPLIT_WALK_TRACE=1 prints its steps.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "chat/device/device_service.h"
#include "chat/protocol/protocol.h"
#include "common/encoding.h"
#include "common/fault_injection_env.h"
#include "common/pad_vocabulary.h"
#include "padstore/interval_set.h"
#include "tests/device/device_test_util.h"

namespace otc::device {
namespace {

using testing::kStorePlace;
using testing::Pair;
using testing::StoreDir;

constexpr int kAlice = 0;
constexpr int kBob = 1;
constexpr size_t kMaxText = 200;

bool LongProfile() {
  const char* p = std::getenv("OTC_TEST_PROFILE");
  return p != nullptr && std::string(p) == "long";
}

std::string Text(const SecretBuffer& b) {
  return std::string(reinterpret_cast<const char*>(b.data()), b.size());
}

// Every package the walk has seen made, by either side.
struct Made {
  int from = kAlice;
  std::vector<uint8_t> bytes;
  std::string text;
  bool control = false;
  padstore::IndexRange range;
  bool decrypted = false;  // its plaintext was returned once
  // A delivery failed because the receiving store stopped, and the power cut after it
  // kept unsynced writes (kTearLastWrite): the decrypt's record may have survived.
  bool maybe_recorded = false;
};

// One device: its own fault-injecting Env (its "disk") and the service running on it.
struct Side {
  int who = kAlice;
  std::string name, peer;
  // From the packages it made, read with the pad itself: the highest grant total it
  // announced, and how far into its own stream it has used pad.
  uint64_t announced_given = 0;
  uint64_t used_end = 0;
  bool last_power_cut_kept_writes = false;  // the last crash used kTearLastWrite
  std::unique_ptr<FaultInjectionEnv> env;
  std::unique_ptr<DeviceService> service;
};

struct WalkStats {
  int crashes = 0;
  int faults_fired = 0;
  int grants_delivered = 0;  // control packages decrypted
  int lost_after_failed_fsync = 0;
  bool alice_past_half = false;
  uint64_t bob_given = 0;
};

class Walk {
 public:
  explicit Walk(uint64_t seed) : seed_(seed), rng_(seed) {}

  // Returns false (with a gtest failure) when setting up failed.
  bool Start() {
    if (!testing::MakeStores(dir_, {Pair{"alice", "bob", Format::kOtc2, pad_size_, seed_}})) {
      return false;
    }
    side_[kBob].who = kBob;
    side_[kAlice].name = "alice";
    side_[kAlice].peer = "bob";
    side_[kBob].name = "bob";
    side_[kBob].peer = "alice";
    for (Side& s : side_) {
      s.env = std::make_unique<FaultInjectionEnv>();
      if (!Open(s)) return false;
    }
    return true;
  }

  // Random steps; stops at the first failure.
  void Run(int steps) {
    for (int i = 0; i < steps && !::testing::Test::HasFailure(); ++i) {
      step_ = i;
      Step();
    }
  }

  // Delivers everything still queued, closes both devices cleanly and checks both ledgers.
  void Finish() {
    ++step_;  // failures and traces from here on name the step after the last
    for (Side& s : side_) {
      if (!s.service->Healthy()) Crash(s);
      s.env->ClearFaults();
    }
    DeliverAll();
    draining_ = true;
    // Both sides use up every byte they may: pad granted away and still believed owned
    // (a grant a crash forgot) would now be used by both.
    for (int round = 0; round < 8 && !::testing::Test::HasFailure(); ++round) {
      for (int from : {kBob, kAlice}) {
        while (!::testing::Test::HasFailure() && Send(from) != Status::Code::kExhausted) {
        }
        Send(from, 0);  // the last few bytes
        DeliverAll();
      }
    }
    if (::testing::Test::HasFailure()) return;
    ASSERT_TRUE(queue_[0].empty() && queue_[1].empty());
    for (Side& s : side_) {
      Status closed = s.service->Close();
      ASSERT_TRUE(closed.ok()) << s.name << ": " << closed.ToString();
      s.service.reset();
    }
    const padstore::ContactState a = Ledger(kAlice);
    const padstore::ContactState b = Ledger(kBob);
    EXPECT_LE(a.split_received, b.split_given);
    EXPECT_LE(b.split_received, a.split_given);
    EXPECT_LE(a.own_capacity + b.own_capacity, pad_size_)
        << "alice " << a.own_capacity << " + bob " << b.own_capacity;
    stats_.bob_given = b.split_given;
  }

  const WalkStats& stats() const { return stats_; }
  int step() const { return step_; }

 private:
  bool Open(Side& s) {
    DeviceOptions options;
    options.confirm = *ConfirmPolicy::Parse("auto");
    options.store.env = s.env.get();
    // Odd seeds pad packages to size buckets (control packages too): other pad costs.
    options.hide_length = seed_ % 2 == 1;
    // A lost announcement is made again the next time the peer asks.
    options.split_reannounce = std::chrono::milliseconds(0);
    options.clock_ms = [this] { return ++clock_ms_; };
    auto service = DeviceService::Open(StoreDir(dir_, s.name), std::move(options));
    EXPECT_TRUE(service.ok()) << "reopening " << s.name << ": " << service.status().ToString();
    if (!service.ok()) return false;
    s.service = std::move(*service);
    return true;
  }

  // A kill (nothing written on the way out), then a power cut: the store keeps exactly
  // what was synced (or, at random, a disk that tears the last unsynced write of a file).
  void Crash(Side& s) {
    Trace("crash " + s.name);
    s.service->AbandonForTesting();
    s.service.reset();
    s.env->ClearFaults();
    s.last_power_cut_kept_writes = Pick(2) == 0;
    s.env->SimulatePowerLoss(s.last_power_cut_kept_writes
                                 ? FaultInjectionEnv::PowerLossMode::kTearLastWrite
                                 : FaultInjectionEnv::PowerLossMode::kDropUnsynced);
    ++stats_.crashes;
    ASSERT_TRUE(Open(s));
    CheckDurable(s);
  }

  // What a side did before a power cut that others could see must have been durable:
  // every grant total it announced, and its position past every package it made.
  void CheckDurable(const Side& s) {
    const padstore::ContactState ledger = Ledger(s.who);
    EXPECT_GE(ledger.split_given, s.announced_given)
        << s.name << " announced a grant that the power cut took from its ledger";
    EXPECT_GE(ledger.own_used, s.used_end)
        << s.name << "'s store would hand out pad it used before the power cut";
    EXPECT_GE(ledger.own_capacity, s.used_end)
        << s.name << " used pad its durable ledger does not give it";
  }

  // After each operation on a side: a store that stopped (an injected fsync failure)
  // refuses everything after it, then the power is cut and the device restarts.
  void AfterOperation(Side& s) {
    if (s.service->Healthy()) return;
    ++stats_.faults_fired;
    auto p = s.service->Package(s.peer, AsBytes(std::string("after the stop")));
    EXPECT_FALSE(p.ok()) << s.name << " packaged after its store stopped";
    Crash(s);
  }

  // OTC_SPLIT_WALK_TRACE=1: every step on stderr, to follow a failing seed.
  void Trace(const std::string& line) const {
    if (trace_) std::fprintf(stderr, "step %d: %s\n", step_, line.c_str());
  }

  uint64_t Pick(uint64_t n) { return std::uniform_int_distribution<uint64_t>(0, n - 1)(rng_); }

  void Step() {
    const uint64_t r = Pick(100);
    if (r < 40) {
      Send(kAlice);
    } else if (r < 50) {
      Send(kBob);
    } else if (r < 90) {
      Relay();
    } else if (r < 93) {
      ReplayOld();
    } else if (r < 96) {
      Crash(side_[Pick(2)]);
    } else {
      // The Nth fsync (or write) of the store's contact files (journals, their audit logs,
      // the pad's burns) fails: the operation that needs it must fail and stop the store
      // ("before" a durable step).
      FaultInjectionEnv& env = *side_[Pick(2)].env;
      const int n = static_cast<int>(1 + Pick(3));
      if (Pick(4) == 0) {
        env.FailNthWrite(n, 28 /* ENOSPC */, "/contacts/");
      } else {
        env.FailNthSync(n, 5 /* EIO */, "/contacts/");
      }
    }
  }

  // Everything queued, in random order, with the replies it brings.
  void DeliverAll() {
    for (int n = 0; n < 100000 && !::testing::Test::HasFailure(); ++n) {
      const int from = PickQueue();
      if (from < 0) break;
      Deliver(from, TakeFromQueue(from));
    }
  }

  // One message of `length` bytes (default: random) from a side; the result's code.
  Status::Code Send(int from, std::optional<size_t> length = std::nullopt) {
    Side& s = side_[from];
    std::string text(length ? *length : Pick(kMaxText + 1), '\0');
    for (char& c : text) c = static_cast<char>(Pick(256));
    const uint64_t left_before = PadLeft(s);
    auto p = s.service->Package(s.peer, AsBytes(text));
    Trace(s.name + " packages " + std::to_string(text.size()) +
          " bytes: " + (p.ok() ? "#" + std::to_string(made_.size()) : p.status().ToString()));
    if (p.ok()) {
      // Every durable step of packaging comes before the package: a failed fsync fails it.
      EXPECT_TRUE(s.service->Healthy()) << s.name << ": a package from a store that stopped";
      Record(from, p->package, text, false);
      queue_[from].push_back(made_.size() - 1);
    } else if (p.status().code() == Status::Code::kExhausted && s.service->Healthy()) {
      EXPECT_EQ(PadLeft(s), left_before) << s.name << ": a refused package consumed pad";
    } else {
      EXPECT_FALSE(s.service->Healthy())
          << s.name << " failed to package " << text.size()
          << " bytes with a healthy store: " << p.status().ToString();
    }
    AfterOperation(s);
    return p.ok() ? Status::Code::kOk : p.status().code();
  }

  uint64_t PadLeft(Side& s) {
    auto contacts = s.service->Contacts();
    if (!contacts.ok() || contacts->empty()) return 0;
    return contacts->front().pad_left;
  }

  // The relay delivers, drops or duplicates a queued package.
  void Relay() {
    const int from = PickQueue();
    if (from < 0) return;
    const uint64_t r = Pick(10);
    if (r == 0) {
      TakeFromQueue(from);  // lost
    } else if (r == 1) {
      Deliver(from, queue_[from][Pick(queue_[from].size())]);  // and it stays queued
    } else {
      Deliver(from, TakeFromQueue(from));
    }
  }

  // The relay replays any package ever made.
  void ReplayOld() {
    if (made_.empty()) return;
    const size_t id = Pick(made_.size());
    Deliver(made_[id].from, id);
  }

  int PickQueue() {
    const bool a = !queue_[kAlice].empty(), b = !queue_[kBob].empty();
    if (!a && !b) return -1;
    if (a && b) return static_cast<int>(Pick(2));
    return a ? kAlice : kBob;
  }

  size_t TakeFromQueue(int from) {
    std::vector<size_t>& q = queue_[from];
    const size_t at = Pick(q.size());
    const size_t id = q[at];
    q.erase(q.begin() + static_cast<std::ptrdiff_t>(at));
    return id;
  }

  // Records a package just made: its pad indices must never have been used before.
  void Record(int from, const std::vector<uint8_t>& package, const std::string& text,
              bool control) {
    auto header = protocol::ParsePackageHeader(Format::kOtc2, package);
    ASSERT_TRUE(header.ok()) << header.status().ToString();
    const uint64_t first = PadIndexOfIndex(header->index);
    EXPECT_EQ(GenerationOfIndex(header->index), 0u);
    ASSERT_GT(header->pad_length, 0u);
    const padstore::IndexRange range =
        from == kAlice ? padstore::IndexRange{first, first + header->pad_length}
                       : padstore::IndexRange{first + 1 - header->pad_length, first + 1};
    ASSERT_LE(range.hi, pad_size_) << side_[from].name << " packaged outside the pad";
    EXPECT_FALSE(used_.Overlaps(range))
        << side_[from].name << (control ? " (control package)" : "") << " reused pad "
        << padstore::ToString(range) << " at step " << step_;
    used_.Insert(range);
    if (from == kAlice && range.hi > pad_size_ / 2) stats_.alice_past_half = true;
    // Read it with the pad itself (the test made the pad): the text and the envelope's
    // grant total, independently of the devices.
    const Direction direction = from == kAlice ? Direction::kUp : Direction::kDown;
    protocol::MemoryPadStream stream(pad_, first, direction);
    protocol::Envelope envelope;
    auto plain = protocol::Unpackage(Format::kOtc2, package, direction, stream, {}, &envelope);
    ASSERT_TRUE(plain.ok()) << plain.status().ToString();
    EXPECT_TRUE(Text(*plain) == text) << side_[from].name << " packaged another text";
    EXPECT_EQ(envelope.control, control);
    Side& s = side_[from];
    s.announced_given = std::max(s.announced_given, envelope.given.value_or(0));
    s.used_end = std::max(s.used_end, from == kAlice ? range.hi : pad_size_ - range.lo);
    Made m;
    m.from = from;
    m.bytes = package;
    m.text = text;
    m.control = control;
    m.range = range;
    made_.push_back(std::move(m));
  }

  void Deliver(int from, size_t id) {
    Side& to = side_[1 - from];
    const std::string what = side_[from].name + "'s package #" + std::to_string(id) +
                             (made_[id].control ? " (control)" : "") + " at step " +
                             std::to_string(step_);
    const std::vector<uint8_t> bytes = made_[id].bytes;
    bool granted = false;
    bool failed_attempt = false;
    auto u = to.service->Unpackage(side_[from].name, bytes);
    Trace("deliver " + what + ": " +
          (!u.ok()           ? u.status().ToString()
           : u->already_read ? std::string("already read")
                             : "ok" + std::string(u->reply_package.empty() ? "" : ", a reply")));
    if (u.ok()) {
      Made& m = made_[id];
      EXPECT_FALSE(u->rollback) << what << ": a power cut looked like a rollback";
      if (u->already_read) {
        EXPECT_TRUE(m.decrypted) << what << ": already read, but never decrypted";
        EXPECT_EQ(u->plaintext.size(), 0u);
      } else {
        EXPECT_FALSE(m.decrypted) << what << " was decrypted twice";
        m.decrypted = true;
        EXPECT_EQ(u->control, m.control) << what;
        EXPECT_TRUE(Text(u->plaintext) == m.text) << what << ": the text changed";
        if (m.control) ++stats_.grants_delivered;
      }
      granted = !u->reply_package.empty();
      // The decrypt was durable before the store stopped, so its text may be shown; but a
      // grant whose record failed must never be announced.
      EXPECT_TRUE(to.service->Healthy() || !granted) << what << ": announced after a failure";
      if (granted) {
        const int replier = 1 - from;
        std::vector<uint8_t> reply = std::move(u->reply_package);
        Record(replier, reply, "", true);
        queue_[replier].push_back(made_.size() - 1);
      }
    } else if (made_[id].decrypted) {
      // A replay, or the store stopped while it logged the replay.
      EXPECT_TRUE(u.status().code() == Status::Code::kReplay || !to.service->Healthy())
          << what << ": " << u.status().ToString();
    } else if (!to.service->Healthy()) {
      // The store stopped during the decrypt: the client keeps the package and tries
      // again after the restart.
      failed_attempt = true;
      queue_[from].push_back(id);
    } else if (made_[id].maybe_recorded && u.status().code() == Status::Code::kReplay) {
      // The record of a decrypt whose fsync failed reached the disk anyway: the message is
      // lost to its reader (never shown), which is the safe side. Only a disk that keeps
      // unsynced writes does this: after a durable decrypt the device always returns it.
      ++stats_.lost_after_failed_fsync;
    } else {
      ADD_FAILURE() << what << ", never decrypted before, was refused: " << u.status().ToString();
    }
    AfterOperation(to);
    if (failed_attempt && to.last_power_cut_kept_writes) made_[id].maybe_recorded = true;
    // Right after a grant is the crash that matters most: the grant must have been durable
    // before its control package existed.
    if (granted && to.service->Healthy() && !draining_ && Pick(4) == 0) Crash(to);
  }

  // A side's ledger as `padstore status` shows it (a read-only open).
  padstore::ContactState Ledger(int who) {
    padstore::StoreOptions ro;
    ro.read_only = true;
    auto store = padstore::Store::Open(StoreDir(dir_, side_[who].name), ro);
    EXPECT_TRUE(store.ok()) << store.status().ToString();
    if (!store.ok()) return {};
    auto info = (*store)->Info(side_[who].peer);
    EXPECT_TRUE(info.ok()) << info.status().ToString();
    return info.ok() ? *info : padstore::ContactState{};
  }

  const uint64_t seed_;
  // Small pads, so that both halves run out: 16K (8K each way), every third seed 8K.
  const uint64_t pad_size_ = seed_ % 3 == 0 ? 8 << 10 : 16 << 10;
  const std::vector<uint8_t> pad_ = testing::PadBytes(seed_, 0, pad_size_);
  std::mt19937_64 rng_;
  TestDir dir_{kStorePlace};
  Side side_[2];
  std::vector<Made> made_;
  std::vector<size_t> queue_[2];  // ids of packages on their way from alice / from bob
  padstore::IntervalSet used_;    // pad indices of every package made
  int64_t clock_ms_ = 1'800'000'000'000;
  int step_ = 0;
  bool draining_ = false;  // Finish: no more crashes
  const bool trace_ = std::getenv("OTC_SPLIT_WALK_TRACE") != nullptr;
  WalkStats stats_;
};

TEST(SplitWalkTest, RandomSendsLossCrashesAndGrantsNeverReusePad) {
  const bool long_profile = LongProfile();
  uint64_t first_seed = 1, seeds = long_profile ? 2000 : 20;
  const int steps = long_profile ? 1000 : 300;
  const char* one = std::getenv("OTC_SPLIT_WALK_SEED");
  if (one != nullptr) {
    first_seed = std::strtoull(one, nullptr, 10);
    seeds = 1;
  }
  WalkStats total;
  uint64_t moved = 0;  // walks in which bob granted and alice packaged past her half
  for (uint64_t seed = first_seed; seed < first_seed + seeds; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed) + " (OTC_SPLIT_WALK_SEED=" + std::to_string(seed) +
                 " runs it alone)");
    Walk walk(seed);
    ASSERT_TRUE(walk.Start());
    walk.Run(steps);
    if (!::testing::Test::HasFailure()) walk.Finish();
    ASSERT_FALSE(::testing::Test::HasFailure()) << "failed at step " << walk.step();
    const bool split_moved = walk.stats().bob_given > 0 && walk.stats().alice_past_half;
    moved += split_moved ? 1 : 0;
    // The CI seeds must each really move the split (a random seed may, by chance, have
    // bob's pad run low before alice's requests reach him: then nobody gives).
    if (!long_profile && one == nullptr) {
      EXPECT_TRUE(split_moved) << "bob granted " << walk.stats().bob_given
                               << " bytes; alice past her half: " << walk.stats().alice_past_half;
    }
    total.crashes += walk.stats().crashes;
    total.faults_fired += walk.stats().faults_fired;
    total.grants_delivered += walk.stats().grants_delivered;
    total.lost_after_failed_fsync += walk.stats().lost_after_failed_fsync;
  }
  std::printf(
      "split walk: %llu seeds x %d steps, split moved in %llu, %d crashes (%d after a failed fsync "
      "or write), %d control packages delivered, %d messages lost to a failed fsync\n",
      static_cast<unsigned long long>(seeds), steps, static_cast<unsigned long long>(moved),
      total.crashes, total.faults_fired, total.grants_delivered, total.lost_after_failed_fsync);
  // The walks reached the paths they are meant to test.
  if (one == nullptr) {
    EXPECT_GE(moved * 10, seeds * 9) << "the split moved in too few walks";
  }
  EXPECT_GT(total.faults_fired, 0);
  EXPECT_GT(total.grants_delivered, 0);
}

}  // namespace
}  // namespace otc::device
