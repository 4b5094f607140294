// Crash harness: a child process (crash_child.cc) reserves and decrypts in a tight loop
// and reports every range it got; the parent SIGKILLs it at random moments (during
// recovery, compaction, burning, an fsync, ...) and checks, after every kill, that no
// pad byte was ever handed out twice, that every acknowledged decrypt is still in the
// decrypt log, and that the recovered mark only moves forward.
//
// CI profile: 200 kills. OTC_TEST_PROFILE=long: 10,000 kills.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <random>
#include <sstream>

#include "padstore/interval_set.h"
#include "padstore/journal.h"
#include "padstore/recovery.h"
#include "tests/padstore/test_pad.h"

namespace otc::padstore {
namespace {

bool LongProfile() {
  const char* p = std::getenv("OTC_TEST_PROFILE");
  return p != nullptr && std::string(p) == "long";
}

struct ChildRun {
  std::string output;
  bool died_by_itself = false;
  int status = 0;
};

// Starts the child, lets it run for `run_for`, SIGKILLs it and returns what it printed.
ChildRun RunAndKill(const std::string& store, uint64_t seed, std::chrono::microseconds run_for) {
  int fds[2];
  EXPECT_EQ(::pipe2(fds, O_CLOEXEC), 0);
  pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(fds[1], 1);
    std::string s = std::to_string(seed);
    ::execl(OTC_CRASH_CHILD, OTC_CRASH_CHILD, store.c_str(), s.c_str(), nullptr);
    std::_Exit(127);
  }
  ::close(fds[1]);
  ChildRun run;
  auto deadline = std::chrono::steady_clock::now() + run_for;
  char buf[65536];
  while (true) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    pollfd pfd{fds[0], POLLIN, 0};
    if (::poll(&pfd, 1, static_cast<int>(left.count())) <= 0) break;
    ssize_t n = ::read(fds[0], buf, sizeof buf);
    if (n <= 0) {
      run.died_by_itself = true;
      break;
    }
    run.output.append(buf, n);
  }
  ::kill(pid, SIGKILL);
  ::waitpid(pid, &run.status, 0);
  while (true) {  // drain what it wrote before dying
    ssize_t n = ::read(fds[0], buf, sizeof buf);
    if (n <= 0) break;
    run.output.append(buf, n);
  }
  ::close(fds[0]);
  return run;
}

class CrashTest : public testing::StoreFixture {};

TEST_F(CrashTest, RandomKillsNeverHandOutAByteTwice) {
  const int kKills = LongProfile() ? 10000 : 200;
  const uint64_t kPadSize = LongProfile() ? (uint64_t{4} << 30) : (uint64_t{256} << 20);
  ASSERT_TRUE(Store::Init(store_dir(), "alice").ok());
  testing::WriteSparsePad(dir_.File("p"), dir_.File("m"), kPadSize, uint64_t{64} << 20);
  ContactSpec spec;
  spec.peer = "bob";
  spec.pad_path = dir_.File("p");
  spec.manifest_path = dir_.File("m");
  spec.direction = Direction::kDown;  // own half [n/2, n) downward; bob's [0, n/2) upward
  ASSERT_TRUE(RegisterContact(store_dir(), "alice", spec).ok());

  std::mt19937_64 rng(20150514);
  IntervalSet handed_out;            // every own range any child reported
  std::vector<IndexRange> decrypts;  // every decrypt any child reported
  uint64_t last_mark = 0;
  int reported = 0;
  const PadLayout layout(kPadSize, kPadSize / 2, Direction::kDown);
  for (int kill = 0; kill < kKills; ++kill) {
    // Mostly short runs (kills land in open/recovery/compaction), some longer ones.
    auto run_for = std::chrono::microseconds(rng() % 3 == 0 ? rng() % 300000 : rng() % 40000);
    ChildRun run = RunAndKill(store_dir(), rng(), run_for);
    ASSERT_FALSE(run.died_by_itself && !(WIFSIGNALED(run.status)))
        << "the child failed on its own at kill " << kill << " (exit status " << run.status << ")";
    std::istringstream lines(run.output);
    std::string line;
    while (std::getline(lines, line)) {
      if (lines.eof()) break;  // a line cut by the kill (no newline): ignore
      char kind;
      IndexRange r;
      std::istringstream(line) >> kind >> r.lo >> r.hi;
      ASSERT_LT(r.lo, r.hi) << line;
      if (kind == 'R') {
        ASSERT_FALSE(handed_out.Overlaps(r))
            << "kill " << kill << ": own pad " << ToString(r) << " handed out twice";
        handed_out.Insert(r);
      } else {
        ASSERT_EQ(kind, 'D') << line;
        decrypts.push_back(r);
      }
      ++reported;
    }
    // Recover exactly as an open would, without writing.
    auto scan = ScanJournal(*Env::Default(), contact_file("journal"));
    ASSERT_TRUE(scan.ok()) << scan.status().ToString();
    auto rec = RecoverJournal(*scan, layout, "journal");
    ASSERT_TRUE(rec.ok()) << "kill " << kill << ": " << rec.status().ToString();
    const uint64_t mark = rec->state.own_mark;
    ASSERT_GE(mark, last_mark) << "kill " << kill << ": the mark moved backward";
    last_mark = mark;
    if (!handed_out.empty()) {
      // Everything handed out lies below the recovered mark (direction -1: at or above
      // the index n - mark).
      ASSERT_GE(*handed_out.Min(), kPadSize - mark) << "kill " << kill;
    }
    for (const IndexRange& d : decrypts) {
      ASSERT_TRUE(rec->state.decrypted.Covers(d.lo, d.hi))
          << "kill " << kill << ": acknowledged decrypt " << ToString(d) << " was lost";
    }
  }
  // The harness must have exercised something.
  EXPECT_GT(reported, kKills / 4);
  EXPECT_GT(decrypts.size(), 10u);
  // A last clean open: the store is usable and continues below everything handed out.
  auto store = Store::Open(store_dir());
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  auto r = (*store)->ReserveRange("bob", 1);
  ASSERT_TRUE(r.ok());
  EXPECT_LE(r->indices.hi, *handed_out.Min());
  std::cerr << "crash harness: " << kKills << " kills, " << reported << " ranges reported, "
            << handed_out.Measure() << " own bytes handed out, " << decrypts.size()
            << " decrypts\n";
}

}  // namespace
}  // namespace otc::padstore
