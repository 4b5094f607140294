#include "padgen/file_source.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cerrno>
#include <thread>

#include "test_util.h"

namespace otc::padgen {
namespace {

using namespace testing;  // tests/padgen/test_util.h

TEST(FileSourceTest, DeliversTheStreamInOrderIncludingWhatWasPrefetched) {
  std::vector<uint8_t> data = PseudoRandom(3 << 20, 1);
  FileSource source(std::make_unique<ScriptedStream>("/dev/shm/x", data, 0, 100000),
                    /*max_prefetch=*/1 << 20);
  double rate = source.MeasureRate(std::chrono::milliseconds(1000));
  EXPECT_GT(rate, 0.0);
  std::vector<uint8_t> out(data.size());
  // Fill in odd-sized pieces across the prefetch boundary.
  size_t pos = 0;
  for (size_t piece :
       {size_t{1000}, size_t{(1 << 20) - 500}, out.size() - 1000 - (1 << 20) + 500}) {
    ASSERT_TRUE(source.Fill({out.data() + pos, piece}).ok());
    pos += piece;
  }
  EXPECT_EQ(out, data);
  EXPECT_EQ(source.Stats()[0].bytes_accepted, data.size());
  EXPECT_EQ(source.Describe(), "file:/dev/shm/x");
}

// A pipe whose writer needs `startup` before its first byte, then delivers `per_read` bytes
// every `interval` (an external generator on the other end of a FIFO).
class SlowStartStream final : public ByteStream {
 public:
  SlowStartStream(std::chrono::milliseconds startup, size_t per_read,
                  std::chrono::milliseconds interval)
      : startup_(startup), per_read_(per_read), interval_(interval) {}
  Result<size_t> Read(std::span<uint8_t> out, const std::atomic<bool>&,
                      std::chrono::milliseconds) override {
    std::this_thread::sleep_for(reads_++ == 0 ? startup_ : interval_);
    size_t n = std::min(out.size(), per_read_);
    std::fill_n(out.data(), n, uint8_t{0x5a});
    return n;
  }
  const std::string& name() const override { return name_; }
  const char* kind() const override { return "fifo"; }

 private:
  std::string name_ = "slow-fifo";
  std::chrono::milliseconds startup_;
  size_t per_read_;
  std::chrono::milliseconds interval_;
  int reads_ = 0;
};

TEST(FileSourceTest, MeasuredRateCountsFromTheFirstByte) {
  // 256 KiB every 50 ms = 5 MiB/s, after 600 ms of silence. Counting the silence would
  // report about half of that; sleeping longer than asked only ever lowers the rate.
  constexpr double kRate = (256 << 10) / 0.050;
  FileSource source(std::make_unique<SlowStartStream>(std::chrono::milliseconds(600), 256 << 10,
                                                      std::chrono::milliseconds(50)),
                    /*max_prefetch=*/64 << 20);
  const double rate = source.MeasureRate(std::chrono::milliseconds(1200));
  EXPECT_GT(rate, 0.75 * kRate) << "the writer's start-up was counted as slowness";
  EXPECT_LT(rate, 1.05 * kRate);
}

TEST(FileSourceTest, IsNotHealthTested) {
  std::vector<uint8_t> zeros(64 << 10, 0);  // would fail every health test
  FileSource source(std::make_unique<ScriptedStream>("zeros", zeros));
  std::vector<uint8_t> out(zeros.size(), 1);
  ASSERT_TRUE(source.Fill(out).ok());
  EXPECT_EQ(out, zeros);
}

TEST(FileSourceTest, EndOfFileBeforeThePadIsCompleteIsAnError) {
  FileSource source(std::make_unique<ScriptedStream>("/tmp/short", PseudoRandom(1000, 2)));
  std::vector<uint8_t> out(4096);
  Status s = source.Fill(out);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("/tmp/short ended (end of file) after 1000 bytes"), std::string::npos)
      << s.message();
}

TEST(FileSourceTest, ReadErrorIsAnIoError) {
  FileSource source(std::make_unique<ScriptedStream>("/tmp/bad", PseudoRandom(1000, 3), EIO));
  std::vector<uint8_t> out(4096);
  Status s = source.Fill(out);
  EXPECT_EQ(s.code(), Status::Code::kIOError);
  EXPECT_NE(s.message().find("Input/output error"), std::string::npos) << s.message();
}

}  // namespace
}  // namespace otc::padgen
