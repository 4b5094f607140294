#include "padgen/file_source.h"

#include <gtest/gtest.h>

#include <cerrno>

#include "test_util.h"

namespace otc::padgen {
namespace {

using testing::PseudoRandom;
using testing::ScriptedStream;

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
