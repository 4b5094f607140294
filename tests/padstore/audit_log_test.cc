// AuditLog: one well-formed line per event, every line durable before Append returns, and
// concurrent appends sharing fdatasyncs (group commit) without losing or tearing a line.
#include "padstore/audit_log.h"

#include <atomic>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "tests/common/test_dir.h"
#include "tests/padstore/gated_sync_env.h"

namespace otc::padstore {
namespace {

constexpr uint64_t kTime = 1795660186;  // 2026-11-26T02:29:46Z (date -u -d @1795660186)

std::vector<std::string> Lines(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

std::unique_ptr<AuditLog> OpenLog(Env& env, const std::string& path) {
  auto log = AuditLog::Open(env, path, [] { return kTime; });
  EXPECT_TRUE(log.ok()) << log.status().ToString();
  return log.ok() ? std::move(*log) : nullptr;
}

TEST(AuditLog, AppendsTimestampedLinesAfterWhatIsThere) {
  TestDir dir;
  const std::string path = dir.File("audit.log");
  {
    auto log = OpenLog(*Env::Default(), path);
    ASSERT_TRUE(log->Append("REPLAY", "peer=bob first_index=7").ok());
  }
  auto log = OpenLog(*Env::Default(), path);
  ASSERT_TRUE(log->Append("FAIL_STOP", "").ok());
  EXPECT_EQ(Lines(path),
            (std::vector<std::string>{"2026-11-26T02:29:46Z REPLAY peer=bob first_index=7",
                                      "2026-11-26T02:29:46Z FAIL_STOP"}));
}

TEST(AuditLog, ConcurrentAppendsKeepEveryLineWhole) {
  TestDir dir;
  const std::string path = dir.File("audit.log");
  auto log = OpenLog(*Env::Default(), path);
  constexpr int kThreads = 8, kPerThread = 200;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        ASSERT_TRUE(log->Append("SKIP", "t=" + std::to_string(t) + " i=" + std::to_string(i)).ok());
      }
    });
  }
  for (auto& th : threads) th.join();
  const std::regex line_re(R"(2026-11-26T02:29:46Z SKIP t=(\d+) i=(\d+))");
  std::set<std::pair<int, int>> seen;
  for (const std::string& line : Lines(path)) {
    std::smatch m;
    ASSERT_TRUE(std::regex_match(line, m, line_re)) << "torn or mixed line: " << line;
    EXPECT_TRUE(seen.insert({std::stoi(m[1]), std::stoi(m[2])}).second) << "twice: " << line;
  }
  EXPECT_EQ(seen.size(), size_t{kThreads} * kPerThread);
}

// Appends from kThreads threads, the first held in its sync at the gate until the others
// have written their lines.
class AuditGroupCommitTest : public ::testing::Test {
 protected:
  static constexpr int kThreads = 8;
  void SetUp() override {
    log_ = OpenLog(env_, dir_.File("audit.log"));
    ASSERT_NE(log_, nullptr);
  }
  void TearDown() override {
    env_.Open();
    for (auto& t : threads_) t.join();
  }
  void LineUpAppendsBehindAHeldSync() {
    env_.Close();
    const int writes_before = env_.gated_writes();
    threads_.emplace_back([this] { Append(0); });
    ASSERT_TRUE(env_.WaitFor([](auto& e) { return e.syncs_locked() == 1; }));
    for (int i = 1; i < kThreads; ++i) threads_.emplace_back([this, i] { Append(i); });
    ASSERT_TRUE(env_.WaitFor([&](auto& e) {
      return e.writes_locked() == writes_before + kThreads;
    })) << "appends did not write their lines while another append's sync was running";
  }
  void Append(int i) {
    results_[i] = log_->Append("LATE", "i=" + std::to_string(i));
    ++returned_;
  }
  void JoinAll() {
    for (auto& t : threads_) t.join();
    threads_.clear();
  }

  TestDir dir_;
  testing::GatedSyncEnv env_{"/audit.log"};
  std::unique_ptr<AuditLog> log_;
  std::vector<std::thread> threads_;
  Status results_[kThreads];
  std::atomic<int> returned_{0};
};

TEST_F(AuditGroupCommitTest, AppendsArrivingDuringASyncShareTheNextOne) {
  LineUpAppendsBehindAHeldSync();
  EXPECT_EQ(returned_.load(), 0) << "an append returned before any sync covered its line";
  EXPECT_EQ(env_.gated_syncs(), 1);
  env_.Open();
  JoinAll();
  for (int i = 0; i < kThreads; ++i) EXPECT_TRUE(results_[i].ok()) << results_[i].ToString();
  EXPECT_EQ(env_.gated_syncs(), 2);
  EXPECT_EQ(Lines(dir_.File("audit.log")).size(), size_t{kThreads});
}

TEST_F(AuditGroupCommitTest, AFailedSyncFailsEveryWaiterAndTheLogStops) {
  LineUpAppendsBehindAHeldSync();
  env_.FailNextSync();
  env_.Open();
  JoinAll();
  for (int i = 0; i < kThreads; ++i) EXPECT_FALSE(results_[i].ok()) << i;
  EXPECT_EQ(results_[0].code(), Status::Code::kIOError);
  EXPECT_EQ(log_->Append("REPLAY", "after").code(), Status::Code::kFailed);
  EXPECT_EQ(env_.gated_syncs(), 1) << "a failed fsync is never retried";
}

}  // namespace
}  // namespace otc::padstore
