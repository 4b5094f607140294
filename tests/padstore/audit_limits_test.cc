// A bounded AuditLog (AuditLimits): coalescing of repeats into one summary line whose
// count is synced with every event, a cap across sources, rotation at a size cap keeping
// the first and last line of each kind, and counts that survive all of it.
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "padstore/audit_log.h"
#include "padstore/audit_rotation.h"
#include "tests/common/test_dir.h"
#include "tests/padstore/gated_sync_env.h"
#include "tests/padstore/no_sync_env.h"

namespace otc::padstore {
namespace {

constexpr uint64_t kTime = 1795660186;  // 2026-11-26T02:29:46Z

std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

class AuditLimitsTest : public ::testing::Test {
 protected:
  std::unique_ptr<AuditLog> Open(AuditLimits limits, Env* env = nullptr) {
    auto log = AuditLog::Open(
        env ? *env : nosync_, path_, [this] { return now_; }, limits);
    EXPECT_TRUE(log.ok()) << log.status().ToString();
    return log.ok() ? std::move(*log) : nullptr;
  }
  static AuditLimits Coalescing() {
    return {.lines_per_source = 3, .lines_per_event = 10, .window_seconds = 60};
  }
  TestDir dir_;
  std::string path_ = dir_.File("audit.log");
  testing::NoSyncEnv nosync_;
  uint64_t now_ = kTime;
};

TEST_F(AuditLimitsTest, RepeatsFromOneSourceBecomeOneSummaryLine) {
  auto log = Open(Coalescing());
  for (int i = 0; i < 2994; ++i) {
    ASSERT_TRUE(log->Append("REFUSED", "peer=bob i=" + std::to_string(i), "peer=bob").ok());
  }
  const std::vector<std::string> lines = Lines(ReadAll(path_));
  ASSERT_EQ(lines.size(), 4u) << ReadAll(path_);
  EXPECT_EQ(lines[0], "2026-11-26T02:29:46Z REFUSED peer=bob i=0");
  EXPECT_EQ(lines[2], "2026-11-26T02:29:46Z REFUSED peer=bob i=2");
  EXPECT_EQ(lines[3],
            "2026-11-26T02:29:46Z REFUSED peer=bob: and         2,991 more like this in 60 s");
}

TEST_F(AuditLimitsTest, OtherSourcesAndKindsKeepTheirOwnLines) {
  auto log = Open(Coalescing());
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(log->Append("REFUSED", "peer=bob", "peer=bob").ok());
    ASSERT_TRUE(log->Append("REFUSED", "peer=carol", "peer=carol").ok());
    ASSERT_TRUE(log->Append("REPLAY", "peer=bob", "peer=bob").ok());
  }
  const std::string text = ReadAll(path_);
  // 3 lines + a summary for each of the three (event, source) pairs.
  EXPECT_EQ(Lines(text).size(), 12u) << text;
  auto counts = CountAuditEvents(text);
  EXPECT_EQ(counts["REFUSED"], 10u);
  EXPECT_EQ(counts["REPLAY"], 5u);
}

TEST_F(AuditLimitsTest, ChangingTheSourceDoesNotDodgeTheLimit) {
  auto log = Open(Coalescing());
  for (int i = 0; i < 500; ++i) {
    const std::string peer = "peer=p" + std::to_string(i);
    ASSERT_TRUE(log->Append("REFUSED", peer, peer).ok());
  }
  const std::string text = ReadAll(path_);
  const std::vector<std::string> lines = Lines(text);
  ASSERT_EQ(lines.size(), 11u) << text;  // lines_per_event, then one summary
  EXPECT_EQ(lines[10],
            "2026-11-26T02:29:46Z REFUSED any source: and           490 more like this in 60 s");
  EXPECT_EQ(CountAuditEvents(text)["REFUSED"], 500u);
}

TEST_F(AuditLimitsTest, ANewWindowStartsWithLinesAgain) {
  auto log = Open(Coalescing());
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(log->Append("SKIP", "a", "peer=bob").ok());
  now_ += 60;
  ASSERT_TRUE(log->Append("SKIP", "b", "peer=bob").ok());
  const std::vector<std::string> lines = Lines(ReadAll(path_));
  ASSERT_EQ(lines.size(), 5u);
  EXPECT_NE(lines[3].find("and             2 more like this in 60 s"), std::string::npos)
      << lines[3];
  EXPECT_EQ(lines[4], "2026-11-26T02:30:46Z SKIP b");
}

// The summary's count is written and synced with each event it counts, so the count in
// the file is never behind an event whose Append returned.
TEST_F(AuditLimitsTest, EveryCountedEventIsSynced) {
  testing::GatedSyncEnv gated("/audit.log");
  auto log = Open(Coalescing(), &gated);
  for (int i = 0; i < 20; ++i) {
    ASSERT_TRUE(log->Append("REFUSED", "peer=bob", "peer=bob").ok());
    EXPECT_EQ(gated.gated_syncs(), i + 1);
    EXPECT_EQ(CountAuditEvents(ReadAll(path_))["REFUSED"], uint64_t(i) + 1);
  }
}

TEST_F(AuditLimitsTest, RotationKeepsFirstAndLastLinesAndCounts) {
  AuditLimits limits = Coalescing();
  limits.lines_per_source = 1000;
  limits.lines_per_event = 1000;
  limits.max_bytes = 4096;
  auto log = Open(limits);
  uint64_t appended = 0;
  for (int i = 0; i < 300; ++i, now_ += 1) {
    ASSERT_TRUE(log->Append("REFUSED", "peer=bob n=" + std::to_string(i), "peer=bob").ok());
    ++appended;
    if (i % 10 == 0) {
      ASSERT_TRUE(log->Append("SKIP", "peer=carol n=" + std::to_string(i), "peer=carol").ok());
      ++appended;
    }
  }
  const std::string text = ReadAll(path_);
  EXPECT_LE(text.size(), 4096u);
  const std::vector<std::string> lines = Lines(text);
  EXPECT_NE(text.find("REFUSED peer=bob n=0\n"), std::string::npos) << text;
  EXPECT_NE(text.find("SKIP peer=carol n=0\n"), std::string::npos) << text;
  EXPECT_NE(text.find("REFUSED peer=bob n=299\n"), std::string::npos) << text;
  EXPECT_NE(text.find("SKIP peer=carol n=290\n"), std::string::npos) << text;
  EXPECT_NE(text.find(" ROTATED size cap 4096 reached; events not shown: REFUSED="),
            std::string::npos)
      << text;
  auto counts = CountAuditEvents(text);
  EXPECT_EQ(counts["REFUSED"], 300u);
  EXPECT_EQ(counts["SKIP"], 30u);
  EXPECT_EQ(counts["REFUSED"] + counts["SKIP"], appended);
  // The log keeps working after a rotation, and a reopened log appends after it.
  log.reset();
  log = Open(limits);
  ASSERT_TRUE(log->Append("FAIL_STOP", "").ok());
  EXPECT_EQ(Lines(ReadAll(path_)).back(), "2026-11-26T02:34:46Z FAIL_STOP");
}

TEST_F(AuditLimitsTest, ASummaryThatRotatesKeepsCounting) {
  AuditLimits limits = Coalescing();
  limits.max_bytes = 1024;
  auto log = Open(limits);
  uint64_t appended = 0;
  for (int round = 0; round < 40; ++round, now_ += 61) {
    for (int i = 0; i < 25; ++i, ++appended) {
      ASSERT_TRUE(
          log->Append("REFUSED", "peer=bob round=" + std::to_string(round), "peer=bob").ok());
    }
  }
  const std::string text = ReadAll(path_);
  EXPECT_LE(text.size(), 1024u);
  EXPECT_EQ(CountAuditEvents(text)["REFUSED"], appended) << text;
}

TEST(AuditRotation, RotatingTwiceCarriesTheCountsOver) {
  std::string text;
  for (int i = 0; i < 10; ++i) text += "2026-11-26T02:29:46Z REPLAY n=" + std::to_string(i) + "\n";
  text += "2026-11-26T02:29:46Z REPLAY peer=bob: and           100 more like this in 60 s\n";
  text += "2026-11-26T02:29:47Z SKIP n=0\n";
  std::string once = RotateAuditText(text, kTime, 999);
  EXPECT_EQ(once,
            "2026-11-26T02:29:46Z REPLAY n=0\n"
            "2026-11-26T02:29:46Z REPLAY peer=bob: and           100 more like this in 60 s\n"
            "2026-11-26T02:29:47Z SKIP n=0\n"
            "2026-11-26T02:29:46Z ROTATED size cap 999 reached; events not shown: REPLAY=9\n");
  std::string more = once + "2026-11-26T02:29:50Z REPLAY n=10\n2026-11-26T02:29:50Z REPLAY n=11\n";
  std::string twice = RotateAuditText(more, kTime, 999);
  EXPECT_EQ(CountAuditEvents(twice)["REPLAY"], 10u + 100 + 2);
  EXPECT_NE(twice.find("REPLAY n=0\n"), std::string::npos);
  EXPECT_NE(twice.find("REPLAY n=11\n"), std::string::npos);
  EXPECT_EQ(twice.find("REPLAY n=10\n"), std::string::npos);
  EXPECT_NE(twice.find("events not shown: REPLAY=110"), std::string::npos) << twice;
}

}  // namespace
}  // namespace otc::padstore
