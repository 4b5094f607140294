#include "padgen/stream_source.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <thread>

#include <algorithm>
#include <cerrno>

#include "test_util.h"

namespace otc::padgen {
namespace {

using namespace testing;  // tests/padgen/test_util.h

constexpr size_t kBlock = 4096;
constexpr size_t kStartup = 1024;

StreamSourceOptions HrngOptions() {
  StreamSourceOptions o;
  o.kind = "hrng";
  o.health_tests = true;
  o.block_size = kBlock;
  o.queue_blocks = 16;
  return o;
}

std::unique_ptr<StreamSource> MakeSource(std::vector<std::vector<uint8_t>> scripts,
                                         int error_at_end = 0,
                                         StreamSourceOptions options = HrngOptions()) {
  std::vector<std::unique_ptr<ByteStream>> streams;
  for (size_t i = 0; i < scripts.size(); ++i) {
    streams.push_back(std::make_unique<ScriptedStream>("/dev/fake" + std::to_string(i),
                                                       std::move(scripts[i]), error_at_end));
  }
  auto s = std::make_unique<StreamSource>(std::move(streams), options);
  EXPECT_TRUE(s->Start().ok());
  return s;
}

// Pulls block-sized pieces until `limit` bytes or an error; returns what arrived.
std::vector<uint8_t> Drain(PadSource& s, size_t limit, Status* error) {
  std::vector<uint8_t> out;
  std::vector<uint8_t> buf(kBlock);
  while (out.size() < limit) {
    Status st = s.Fill(buf);
    if (!st.ok()) {
      *error = st;
      break;
    }
    out.insert(out.end(), buf.begin(), buf.end());
  }
  return out;
}

bool HasRun(const std::vector<uint8_t>& data, uint8_t value, size_t run) {
  size_t count = 0;
  for (uint8_t b : data) {
    count = b == value ? count + 1 : 0;
    if (count >= run) return true;
  }
  return false;
}

TEST(StreamSourceTest, SeveralDevicesAreConcatenatedBlockByBlock) {
  std::vector<uint8_t> a = PseudoRandom(4 << 20, 1);
  std::vector<uint8_t> b = PseudoRandom(4 << 20, 2);
  auto source = MakeSource({a, b});
  std::vector<uint8_t> out(1 << 20);
  ASSERT_TRUE(source->Fill(out).ok());
  // Every block of the output is the next unused block of device 0 or device 1 (after
  // each device's 1024 startup-test bytes, which are discarded).
  size_t next_a = kStartup, next_b = kStartup, from_a = 0, from_b = 0;
  for (size_t off = 0; off < out.size(); off += kBlock) {
    if (std::equal(out.begin() + off, out.begin() + off + kBlock, a.begin() + next_a)) {
      next_a += kBlock;
      ++from_a;
    } else if (std::equal(out.begin() + off, out.begin() + off + kBlock, b.begin() + next_b)) {
      next_b += kBlock;
      ++from_b;
    } else {
      FAIL() << "block at " << off << " comes from neither device in order";
    }
  }
  EXPECT_GT(from_a, 0u);
  EXPECT_GT(from_b, 0u);
  std::vector<StreamStats> stats = source->Stats();
  ASSERT_EQ(stats.size(), 2u);
  EXPECT_EQ(stats[0].rct_cutoff, 6u);
  EXPECT_EQ(stats[0].apt_cutoff, 19u);
  EXPECT_GE(stats[0].bytes_discarded, kStartup);
  source->Stop();
}

TEST(StreamSourceTest, StuckDeviceStopsTheRunAndNoFailingBlockIsDelivered) {
  std::vector<uint8_t> data = PseudoRandom(64 << 10, 3);
  data.insert(data.end(), 1 << 20, 0xAB);  // the device gets stuck
  auto source = MakeSource({data});
  Status error;
  std::vector<uint8_t> out = Drain(*source, 8 << 20, &error);
  ASSERT_FALSE(error.ok());
  EXPECT_NE(error.message().find("/dev/fake0"), std::string::npos) << error.message();
  EXPECT_NE(error.message().find("3 times"), std::string::npos) << error.message();
  EXPECT_NE(error.message().find("repetition count"), std::string::npos) << error.message();
  // Exactly the good blocks arrived: 15 full blocks after the startup bytes. Block 15,
  // which holds the last good bytes and the start of the stuck run, was discarded.
  std::vector<uint8_t> expected(data.begin() + kStartup, data.begin() + kStartup + 15 * kBlock);
  EXPECT_EQ(out, expected);
  EXPECT_FALSE(HasRun(out, 0xAB, 6));
  EXPECT_EQ(source->Stats()[0].rct_failures, 3u);
  source->Stop();
}

TEST(StreamSourceTest, HeavilyBiasedDeviceStopsTheRun) {
  std::vector<uint8_t> data = PseudoRandom(64 << 10, 4);
  std::vector<uint8_t> noise = PseudoRandom(1 << 20, 5);
  // Every third byte is 0x00 and the others are never 0x00 twice in a row: no run for
  // the repetition count test, but a third of every window is the same value.
  for (size_t i = 0; i < noise.size(); ++i) data.push_back(i % 3 == 0 ? 0x00 : (noise[i] | 1));
  auto source = MakeSource({data});
  Status error;
  std::vector<uint8_t> out = Drain(*source, 8 << 20, &error);
  ASSERT_FALSE(error.ok());
  EXPECT_NE(error.message().find("adaptive proportion"), std::string::npos) << error.message();
  std::vector<uint8_t> expected(data.begin() + kStartup, data.begin() + kStartup + 15 * kBlock);
  EXPECT_EQ(out, expected);
  EXPECT_EQ(source->Stats()[0].apt_failures, 3u);
  source->Stop();
}

TEST(StreamSourceTest, OneBadBlockIsDiscardedAndCountedWithoutStopping) {
  std::vector<uint8_t> startup = PseudoRandom(kStartup, 6);
  std::vector<uint8_t> good1 = PseudoRandom(16 * kBlock, 7);
  std::vector<uint8_t> good2 = PseudoRandom(16 * kBlock, 8);
  std::vector<uint8_t> data = startup;
  data.insert(data.end(), good1.begin(), good1.end());
  data.insert(data.end(), kBlock, 0x00);  // one stuck block
  data.insert(data.end(), good2.begin(), good2.end());
  std::vector<uint8_t> tail = PseudoRandom(64 * kBlock, 9);
  data.insert(data.end(), tail.begin(), tail.end());
  auto source = MakeSource({data});
  std::vector<uint8_t> out(32 * kBlock);
  ASSERT_TRUE(source->Fill(out).ok());
  std::vector<uint8_t> expected = good1;
  expected.insert(expected.end(), good2.begin(), good2.end());
  EXPECT_EQ(out, expected);
  StreamStats stats = source->Stats()[0];
  EXPECT_EQ(stats.rct_failures, 1u);
  EXPECT_EQ(stats.bytes_discarded, kStartup + kBlock);
  source->Stop();
}

TEST(StreamSourceTest, StuckFromTheStartFailsTheStartupTest) {
  auto source = MakeSource({std::vector<uint8_t>(1 << 20, 0x00)});
  std::vector<uint8_t> out(kBlock);
  Status s = source->Fill(out);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("startup health test"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("/dev/fake0"), std::string::npos);
  source->Stop();
}

TEST(StreamSourceTest, EndOfFileMidRunIsAnErrorAfterTheDataBeforeIt) {
  std::vector<uint8_t> data = PseudoRandom(64 << 10, 10);
  auto source = MakeSource({data});
  Status error;
  std::vector<uint8_t> out(data.size() - kStartup);
  ASSERT_TRUE(source->Fill(out).ok());  // every byte before the end is usable
  EXPECT_TRUE(std::equal(out.begin(), out.end(), data.begin() + kStartup));
  std::vector<uint8_t> more(1);
  Status s = source->Fill(more);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("end of file"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("/dev/fake0"), std::string::npos) << s.message();
  source->Stop();
}

TEST(StreamSourceTest, ReadErrorMidRunDropsThePartialBlockAndNamesTheDevice) {
  std::vector<uint8_t> data = PseudoRandom(64 << 10, 11);
  auto source = MakeSource({data}, EIO);
  Status error;
  std::vector<uint8_t> out = Drain(*source, 8 << 20, &error);
  ASSERT_FALSE(error.ok());
  EXPECT_EQ(error.code(), Status::Code::kIOError);
  EXPECT_NE(error.message().find("Input/output error"), std::string::npos) << error.message();
  EXPECT_NE(error.message().find("/dev/fake0"), std::string::npos) << error.message();
  // 15 full blocks; the partial 16th (3072 bytes read before the error) is dropped.
  std::vector<uint8_t> expected(data.begin() + kStartup, data.begin() + kStartup + 15 * kBlock);
  EXPECT_EQ(out, expected);
  source->Stop();
}

TEST(StreamSourceTest, FileSourceIsNotHealthTested) {
  StreamSourceOptions o;
  o.kind = "file";
  o.health_tests = false;
  o.block_size = kBlock;
  std::vector<uint8_t> zeros(64 << 10, 0);  // would fail every health test
  auto source = MakeSource({zeros}, 0, o);
  std::vector<uint8_t> out(zeros.size());
  ASSERT_TRUE(source->Fill(out).ok());
  EXPECT_EQ(out, zeros);
  EXPECT_EQ(source->Describe(), "file:/dev/fake0");
  source->Stop();
}

TEST(StreamSourceTest, StopUnblocksAWaitingFill) {
  // A device that never delivers: a FIFO whose writer stays silent.
  TestDir dir;
  std::string fifo = dir.File("fifo");
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  int writer = ::open(fifo.c_str(), O_RDWR);
  StreamSourceOptions o = HrngOptions();
  Result<std::unique_ptr<StreamSource>> s = StreamSource::Open({fifo}, o);
  ASSERT_TRUE(s.ok());
  ASSERT_TRUE((*s)->Start().ok());
  std::thread stopper([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    (*s)->Stop();
  });
  std::vector<uint8_t> out(kBlock);
  Status st = (*s)->Fill(out);
  stopper.join();
  EXPECT_FALSE(st.ok());
  ::close(writer);
}

}  // namespace
}  // namespace otc::padgen
