#include "padstore/pad_scanner.h"

#include <gtest/gtest.h>

#include <cerrno>

#include "common/fault_injection_env.h"

#include "tests/padstore/test_pad.h"

namespace otc::padstore {
namespace {

// Every combination of io_uring/pread and O_DIRECT/buffered delivers exactly the bytes of
// the extents, in order, in pieces no larger than the block size.
TEST(PadScannerTest, DeliversTheExtentsInOrderWithEveryBackend) {
  TestDir dir;
  const uint64_t size = (3 << 20) + 12345;  // not a multiple of the block or page size
  testing::WritePad(dir.File("pad"), dir.File("m"), size, 3, 1 << 20);
  const std::vector<std::vector<IndexRange>> cases = {
      {{0, size}},
      {{4096, 8192}, {1 << 20, (2 << 20) + 4096}, {3 << 20, size}},  // aligned starts
      {{1, 2}, {5000, 70000}, {size - 3, size}},                     // unaligned
  };
  for (const auto& extents : cases) {
    for (int backend = 0; backend < 4; ++backend) {
      ScanOptions o;
      o.block_size = 256 << 10;
      o.queue_depth = 4;
      o.use_io_uring = backend & 1;
      o.direct = backend & 2;
      std::vector<uint8_t> got;
      uint64_t expect_offset = extents.front().lo;
      size_t extent = 0;
      ScanStats stats;
      Status s = ScanFile(
          *Env::Default(), dir.File("pad"), extents, o,
          [&](uint64_t offset, std::span<const uint8_t> bytes) {
            if (offset == extents[extent].hi) expect_offset = extents[++extent].lo;
            if (expect_offset >= extents[extent].hi) expect_offset = extents[++extent].lo;
            EXPECT_EQ(offset, expect_offset);
            EXPECT_LE(bytes.size(), o.block_size);
            got.insert(got.end(), bytes.begin(), bytes.end());
            expect_offset += bytes.size();
            return Status::Ok();
          },
          &stats);
      ASSERT_TRUE(s.ok()) << s.ToString();
      std::vector<uint8_t> want;
      for (const IndexRange& e : extents) {
        auto part = testing::PadBytes(3, e.lo, e.hi);
        want.insert(want.end(), part.begin(), part.end());
      }
      EXPECT_EQ(got, want) << "backend " << backend;
      EXPECT_EQ(stats.bytes_read, want.size());
    }
  }
}

TEST(PadScannerTest, StopsOnAConsumerErrorAndReportsMissingFiles) {
  TestDir dir;
  testing::WritePad(dir.File("pad"), dir.File("m"), 1 << 20, 3, 1 << 20);
  int calls = 0;
  ScanOptions o;
  o.block_size = 64 << 10;
  Status s = ScanFile(
      *Env::Default(), dir.File("pad"), {{0, 1 << 20}}, o,
      [&](uint64_t, std::span<const uint8_t>) {
        return ++calls == 3 ? Status::Corruption("stop") : Status::Ok();
      },
      nullptr);
  EXPECT_EQ(s.code(), Status::Code::kCorruption);
  EXPECT_EQ(calls, 3);
  EXPECT_EQ(ScanFile(
                *Env::Default(), dir.File("missing"), {{0, 1}}, o,
                [](uint64_t, std::span<const uint8_t>) { return Status::Ok(); }, nullptr)
                .code(),
            Status::Code::kNotFound);
}

// A read error from the drive (injected by the Env the scan opens the pad through) stops
// the scan with an I/O error, with io_uring and with pread, O_DIRECT or not.
TEST(PadScannerTest, AReadErrorFromTheEnvStopsTheScan) {
  TestDir dir;
  testing::WritePad(dir.File("pad"), dir.File("m"), 1 << 20, 3, 1 << 20);
  for (int backend = 0; backend < 4; ++backend) {
    FaultInjectionEnv env;
    env.FailNthRead(3, EIO, dir.File("pad"), FaultFiles::kBulk);
    ScanOptions o;
    o.block_size = 64 << 10;
    o.queue_depth = 4;
    o.use_io_uring = backend & 1;
    o.direct = backend & 2;
    uint64_t consumed = 0;
    Status s = ScanFile(
        env, dir.File("pad"), {{0, 1 << 20}}, o,
        [&](uint64_t, std::span<const uint8_t> bytes) {
          consumed += bytes.size();
          return Status::Ok();
        },
        nullptr);
    EXPECT_EQ(s.code(), Status::Code::kIOError) << "backend " << backend << ": " << s.ToString();
    EXPECT_NE(s.message().find(dir.File("pad")), std::string::npos) << s.message();
    EXPECT_LE(consumed, uint64_t{2} << 16) << "nothing after the failed read is handed on";
  }
}

}  // namespace
}  // namespace otc::padstore
