// Tests of the padgen command itself: arguments, exit codes, messages, --json, signals,
// and crash/resume with SIGKILL at random points.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <csignal>
#include <nlohmann/json.hpp>
#include <random>
#include <thread>

#include "test_util.h"

namespace otc::padgen {
namespace {

using namespace testing;  // tests/padgen/test_util.h

size_t Lines(const std::string& s) {
  return static_cast<size_t>(std::count(s.begin(), s.end(), '\n'));
}

// Feeds pseudo-random data into a FIFO until the reader goes away or `limit` bytes.
class FifoFeeder {
 public:
  FifoFeeder(std::string path, uint64_t limit, uint64_t seed)
      : path_(std::move(path)), limit_(limit), seed_(seed) {
    thread_ = std::thread([this] { Run(); });
  }
  ~FifoFeeder() {
    stop_ = true;
    thread_.join();
  }

 private:
  void Run() {
    int fd = ::open(path_.c_str(), O_WRONLY);
    if (fd < 0) return;
    uint64_t sent = 0;
    uint64_t seed = seed_;
    while (!stop_ && sent < limit_) {
      std::vector<uint8_t> block = PseudoRandom(64 << 10, seed++);
      ssize_t n = ::write(fd, block.data(), std::min<uint64_t>(block.size(), limit_ - sent));
      if (n <= 0) break;  // the reader is gone (EPIPE)
      sent += static_cast<uint64_t>(n);
    }
    // Keep the FIFO open (a device that went quiet) until told to stop.
    while (!stop_) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    ::close(fd);
  }
  std::string path_;
  uint64_t limit_;
  uint64_t seed_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

class CliTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { std::signal(SIGPIPE, SIG_IGN); }
  TestDir dir_;
};

TEST_F(CliTest, HelpDocumentsOptionsAndExitCodes) {
  auto r = RunPadgen({"--help"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("--hrng"), std::string::npos);
  EXPECT_NE(r.out.find("--resume"), std::string::npos);
  EXPECT_NE(r.out.find("Exit codes"), std::string::npos);
  EXPECT_NE(r.out.find("computationally secure"), std::string::npos);
}

TEST_F(CliTest, GarbageSizeIsAOneLineUsageError) {
  auto r = RunPadgen({"--size", "12Q", "-o", dir_.File("a")});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(Lines(r.err), 1u) << r.err;
  EXPECT_NE(r.err.find("bad size '12Q'"), std::string::npos) << r.err;
  r = RunPadgen({"--size", "0", "-o", dir_.File("a")});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(Lines(r.err), 1u) << r.err;
  EXPECT_FALSE(Exists(dir_.File("a")));
}

TEST_F(CliTest, MissingSizeAndBadUserSyntaxAreUsageErrors) {
  auto r = RunPadgen({"-o", dir_.File("a")});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--size"), std::string::npos) << r.err;
  r = RunPadgen({"--size", "1M", "--user", "alice", "--user", "bob=" + dir_.File("b")});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("NAME=DIR"), std::string::npos) << r.err;
}

TEST_F(CliTest, ThirdUserIsRejected) {
  auto r = RunPadgen({"--size", "1M", "--user", "alice=" + dir_.File("A"), "--user",
                      "bob=" + dir_.File("B"), "--user", "carol=" + dir_.File("C")});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("exactly two --user"), std::string::npos) << r.err;
  EXPECT_FALSE(Exists(dir_.File("A")));
}

TEST_F(CliTest, MissingHrngNamesTheDevice) {
  auto r = RunPadgen({"--size", "1M", "--hrng", "/dev/otc-no-such-rng", "-o", dir_.File("a")});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(Lines(r.err), 1u) << r.err;
  EXPECT_NE(r.err.find("/dev/otc-no-such-rng does not exist"), std::string::npos) << r.err;
  EXPECT_FALSE(Exists(dir_.File("a")));
}

TEST_F(CliTest, JsonSummaryDescribesTheRun) {
  auto r = RunPadgen({"--size", "1M", "--chunk-size", "64K", "-o", dir_.File("a"), "-o",
                      dir_.File("b"), "--json", "--quiet"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err, "");  // --quiet
  nlohmann::json j = nlohmann::json::parse(r.out);
  EXPECT_TRUE(j["ok"].get<bool>());
  EXPECT_EQ(j["size"].get<uint64_t>(), 1u << 20);
  EXPECT_EQ(j["chunks"].get<uint64_t>(), 16u);
  EXPECT_EQ(j["pad_id"].get<std::string>().size(), 32u);
  EXPECT_TRUE(j["verified"].get<bool>());
  EXPECT_EQ(j["sources"][0]["kind"], "random");
  EXPECT_EQ(j["destinations"].size(), 2u);
  EXPECT_GT(j["duration_seconds"].get<double>(), 0.0);
}

TEST_F(CliTest, JsonSummaryOnFailureCarriesTheErrorCategory) {
  auto r = RunPadgen({"--size", "1M", "-o", dir_.File("a"), "-o", dir_.File("a"), "--json"});
  EXPECT_EQ(r.exit_code, 2);
  nlohmann::json j = nlohmann::json::parse(r.out);
  EXPECT_FALSE(j["ok"].get<bool>());
  EXPECT_EQ(j["error"], "usage");  // the shared exit-code name, as every program reports it
  EXPECT_EQ(j["error_category"], "invalid_argument");
  EXPECT_NE(j["message"].get<std::string>().find("name the same place"), std::string::npos)
      << r.out;
}

TEST_F(CliTest, HrngThroughAFifoIsHealthTestedAndReported) {
  std::string fifo = dir_.File("hwrng");
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  FifoFeeder feeder(fifo, 64 << 20, 1);
  auto r = RunPadgen({"--size", "2M", "--chunk-size", "256K", "--hrng", fifo, "-o", dir_.File("a"),
                      "-o", dir_.File("b"), "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("HRNG " + fifo), std::string::npos) << r.err;
  nlohmann::json j = nlohmann::json::parse(r.out);
  const auto& src = j["sources"][0];
  EXPECT_EQ(src["kind"], "hrng");
  EXPECT_EQ(src["health_tests"]["rct_cutoff"].get<int>(), 6);
  EXPECT_EQ(src["health_tests"]["apt_cutoff"].get<int>(), 19);
  EXPECT_EQ(src["health_tests"]["rct_failures"].get<int>(), 0);
  EXPECT_EQ(ReadAll(dir_.File("a")), ReadAll(dir_.File("b")));
}

TEST_F(CliTest, HrngThatEndsMidRunFailsWithExitCode1) {
  testing::WriteAll(dir_.File("rng"), PseudoRandom(200 << 10, 2));
  auto r = RunPadgen({"--size", "1M", "--chunk-size", "64K", "--hrng", dir_.File("rng"), "-o",
                      dir_.File("a"), "-o", dir_.File("b")});
  EXPECT_EQ(r.exit_code, 1);
  // One line, "padgen: what went wrong: ..." (docs/CLI.md).
  EXPECT_NE(r.err.find("padgen: "), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("padgen: error: "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("end of file"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("--resume"), std::string::npos) << r.err;
}

TEST_F(CliTest, CtrlCStopsCleanlyAndResumeFinishes) {
  std::string fifo = dir_.File("src");
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  std::vector<std::string> args = {"--size",       "8M", "--chunk-size", "256K", "--source",
                                   "file:" + fifo, "-o", dir_.File("a"), "-o",   dir_.File("b")};
  {
    FifoFeeder feeder(fifo, 3 << 20, 10);  // 3 MiB, then the source goes quiet
    int pid = testing::StartPadgen(args);
    ASSERT_GT(pid, 0);
    // Interrupt once something is durable (a run with nothing durable removes its files
    // instead) and the source has gone quiet.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (CheckManifest(dir_.File("b.manifest"), dir_.File("b")).chunk_records == 0 &&
           std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(500));  // waiting on the source
    ::kill(pid, SIGINT);
    EXPECT_EQ(testing::WaitPadgen(pid), 130);
  }
  auto c = CheckManifest(dir_.File("a.manifest"), dir_.File("a"));
  EXPECT_TRUE(c.digests_match);
  EXPECT_FALSE(c.complete);
  EXPECT_GT(c.chunk_records, 0u);  // what was written before Ctrl-C is kept
  FifoFeeder feeder(fifo, 64 << 20, 20);
  args.push_back("--resume");
  auto r = RunPadgen(args);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("resuming after"), std::string::npos) << r.err;
  EXPECT_EQ(ReadAll(dir_.File("a")), ReadAll(dir_.File("b")));
  EXPECT_TRUE(CheckManifest(dir_.File("b.manifest"), dir_.File("b")).complete);
}

TEST_F(CliTest, SigkillAtRandomPointsThenResumeEndsWithIdenticalValidCopies) {
  const int rounds = testing::LongProfile() ? 40 : 4;
  std::mt19937 rng(std::random_device{}());
  std::uniform_int_distribution<int> delay_ms(30, 500);
  std::string a = dir_.File("a"), b = dir_.File("b");
  std::vector<std::string> args = {"--size", "48M", "--chunk-size", "512K", "-o", a, "-o", b, "-q"};
  for (int i = 0; i < rounds; ++i) {
    std::vector<std::string> run = args;
    if (i > 0) run.push_back("--resume");
    int pid = testing::StartPadgen(run);
    ASSERT_GT(pid, 0);
    int ms = delay_ms(rng);
    std::this_thread::sleep_for(std::chrono::milliseconds(ms));
    ::kill(pid, SIGKILL);
    testing::WaitPadgen(pid);
    // Whatever the manifests claim must be on disk: every recorded chunk matches.
    for (const std::string& p : {a, b}) {
      if (!Exists(p + ".manifest")) continue;
      auto c = CheckManifest(p + ".manifest", p);
      if (!c.header_ok) continue;  // killed while the header was being written
      EXPECT_TRUE(c.digests_match) << p << " after a kill at " << ms << " ms (round " << i << ")";
    }
  }
  args.push_back("--resume");
  auto r = RunPadgen(args);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::vector<uint8_t> pa = ReadAll(a);
  ASSERT_EQ(pa.size(), 48u << 20);
  EXPECT_TRUE(pa == ReadAll(b));
  for (const std::string& p : {a, b}) {
    auto c = CheckManifest(p + ".manifest", p);
    EXPECT_TRUE(c.complete) << p;
    EXPECT_TRUE(c.digests_match) << p;
  }
}

}  // namespace
}  // namespace otc::padgen
