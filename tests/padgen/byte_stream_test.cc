#include "padgen/byte_stream.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <pty.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "test_util.h"

namespace otc::padgen {
namespace {

using namespace testing;  // tests/padgen/test_util.h

std::vector<uint8_t> ReadN(ByteStream& s, size_t n) {
  std::atomic<bool> stop{false};
  std::vector<uint8_t> out(n);
  size_t done = 0;
  while (done < n) {
    Result<size_t> r = s.Read({out.data() + done, n - done}, stop);
    if (!r.ok() || *r == 0) break;
    done += *r;
  }
  out.resize(done);
  return out;
}

TEST(ByteStreamTest, MissingDeviceIsNotFoundAndNamesThePath) {
  Result<std::unique_ptr<ByteStream>> s = OpenByteStream("/dev/no-such-hwrng");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), Status::Code::kNotFound);
  EXPECT_NE(s.status().message().find("/dev/no-such-hwrng"), std::string::npos);
}

TEST(ByteStreamTest, DirectoryIsRejected) {
  TestDir dir;
  Result<std::unique_ptr<ByteStream>> s = OpenByteStream(dir.path());
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), Status::Code::kInvalidArgument);
}

TEST(ByteStreamTest, RegularFileReadsToEndOfFile) {
  TestDir dir;
  std::vector<uint8_t> data = PseudoRandom(10000, 5);
  WriteAll(dir.File("f"), data);
  Result<std::unique_ptr<ByteStream>> s = OpenByteStream(dir.File("f"));
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_STREQ((*s)->kind(), "file");
  EXPECT_EQ(ReadN(**s, 20000), data);
}

TEST(ByteStreamTest, FifoIsReadWithoutTermios) {
  TestDir dir;
  std::string fifo = dir.File("fifo");
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  std::vector<uint8_t> data = PseudoRandom(100000, 9);
  std::thread writer([&] {
    int fd = ::open(fifo.c_str(), O_WRONLY);
    size_t off = 0;
    while (off < data.size()) {
      ssize_t n = ::write(fd, data.data() + off, data.size() - off);
      if (n <= 0) break;
      off += static_cast<size_t>(n);
    }
    ::close(fd);
  });
  Result<std::unique_ptr<ByteStream>> s = OpenByteStream(fifo);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_STREQ((*s)->kind(), "fifo");
  EXPECT_EQ(ReadN(**s, data.size() + 1), data);
  writer.join();
}

TEST(ByteStreamTest, TerminalIsPutIntoRawModeAndRestored) {
  int master = -1, slave = -1;
  char name[256];
  ASSERT_EQ(::openpty(&master, &slave, name, nullptr, nullptr), 0);
  termios before{};
  ASSERT_EQ(tcgetattr(slave, &before), 0);
  ASSERT_NE(before.c_lflag & ICANON, 0u) << "a fresh pty should start in cooked mode";
  {
    Result<std::unique_ptr<ByteStream>> s = OpenByteStream(name);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    EXPECT_STREQ((*s)->kind(), "terminal");
    // Every byte value, including CR, ^C, ^D, ^S and DEL, must arrive unchanged: in
    // cooked mode CR would become LF, ^D would end a read and ^C would be a signal.
    std::vector<uint8_t> all(256);
    for (int i = 0; i < 256; ++i) all[i] = static_cast<uint8_t>(i);
    ASSERT_EQ(::write(master, all.data(), all.size()), 256);
    EXPECT_EQ(ReadN(**s, 256), all);
  }
  termios after{};
  ASSERT_EQ(tcgetattr(slave, &after), 0);
  EXPECT_EQ(after.c_lflag, before.c_lflag);
  EXPECT_EQ(after.c_iflag, before.c_iflag);
  ::close(master);
  ::close(slave);
}

TEST(ByteStreamTest, StopEndsAReadOnASilentDevice) {
  TestDir dir;
  std::string fifo = dir.File("fifo");
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  int keep_open = ::open(fifo.c_str(), O_RDWR);  // a writer that never writes
  Result<std::unique_ptr<ByteStream>> s = OpenByteStream(fifo);
  ASSERT_TRUE(s.ok());
  std::atomic<bool> stop{false};
  std::thread stopper([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(150));
    stop = true;
  });
  uint8_t buf[16];
  Result<size_t> r = (*s)->Read(buf, stop);
  stopper.join();
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, 0u);
  EXPECT_TRUE(stop.load());
  ::close(keep_open);
}

TEST(ByteStreamTest, ReadGivesUpAfterMaxWait) {
  TestDir dir;
  std::string fifo = dir.File("fifo");
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  int keep_open = ::open(fifo.c_str(), O_RDWR);
  Result<std::unique_ptr<ByteStream>> s = OpenByteStream(fifo);
  ASSERT_TRUE(s.ok());
  std::atomic<bool> stop{false};
  uint8_t buf[16];
  Result<size_t> r = (*s)->Read(buf, stop, std::chrono::milliseconds(150));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, 0u);
  EXPECT_FALSE(stop.load());
  ::close(keep_open);
}

}  // namespace
}  // namespace otc::padgen
