// BulkFile (common/bulk_file.h) through the POSIX Env and through FaultInjectionEnv, with
// its io_uring submission (common/io_ring.h): O_DIRECT with the buffered fallback, locking,
// and every fault a pad writer or reader must survive, injected on the async path.
#include "common/bulk_file.h"

#include <gtest/gtest.h>

#include <cerrno>
#include <cstdint>

#include "common/env.h"
#include "common/fault_injection_env.h"
#include "common/io_ring.h"
#include "common/secret_buffer.h"
#include "tests/common/test_dir.h"

namespace otc {
namespace {

constexpr uint64_t kChunk = 64 << 10;

SecretBuffer Pattern(size_t size, uint8_t seed) {
  SecretBuffer b(size);
  for (size_t i = 0; i < size; ++i) b[i] = static_cast<uint8_t>(i * 31 + seed);
  return b;
}

class BulkFileTest : public ::testing::Test {
 protected:
  std::unique_ptr<BulkFile> Open(Env& env, const std::string& name, BulkOpenOptions o = {}) {
    o.write = true;
    o.create = true;
    auto f = env.OpenBulkFile(dir_.File(name), o);
    EXPECT_TRUE(f.ok()) << f.status().ToString();
    return f.ok() ? std::move(*f) : nullptr;
  }
  // Queues one request and returns its (possibly fault-injected) completion result.
  int RingWrite(BulkFile& f, const SecretBuffer& b, size_t len, uint64_t offset) {
    EXPECT_TRUE(ring_.Write(f, b.data(), len, offset, 7).ok());
    return Reap(7);
  }
  int RingRead(BulkFile& f, SecretBuffer& b, size_t len, uint64_t offset) {
    EXPECT_TRUE(ring_.Read(f, b.data(), len, offset, 8).ok());
    return Reap(8);
  }
  int RingSync(BulkFile& f) {
    EXPECT_TRUE(ring_.DataSync(f, 9).ok());
    return Reap(9);
  }
  int Reap(uint64_t tag) {
    EXPECT_TRUE(ring_.Submit().ok());
    Result<IoRing::Completion> c = ring_.WaitForever();
    EXPECT_TRUE(c.ok());
    EXPECT_EQ(c->tag, tag);
    return c->result;
  }
  void SetUp() override { ASSERT_TRUE(ring_.Init(8).ok()); }

  TestDir dir_;
  IoRing ring_;
};

TEST_F(BulkFileTest, WritesAlignedAndUnalignedPiecesThroughTheRingAndReadsThemBack) {
  auto f = Open(*Env::Default(), "pad", {.direct_unit = kChunk});
  ASSERT_NE(f, nullptr);
  SecretBuffer data = Pattern(4 * kChunk + 100, 1);
  // Chunks at aligned offsets, then a 100-byte tail that O_DIRECT cannot take.
  for (uint64_t c = 0; c < 4; ++c) {
    SecretBuffer piece(kChunk);
    std::copy_n(data.data() + c * kChunk, kChunk, piece.data());
    ASSERT_EQ(RingWrite(*f, piece, kChunk, c * kChunk), static_cast<int>(kChunk));
  }
  SecretBuffer tail(kChunk);
  std::copy_n(data.data() + 4 * kChunk, 100, tail.data());
  ASSERT_EQ(RingWrite(*f, tail, 100, 4 * kChunk), 100);
  ASSERT_EQ(RingSync(*f), 0);
  EXPECT_EQ(*f->Size(), data.size());

  SecretBuffer back(data.size());
  ASSERT_TRUE(ReadFully(*f, 0, back.span()).ok());
  EXPECT_TRUE(std::equal(back.data(), back.data() + back.size(), data.data()));
  if (f->direct()) {
    EXPECT_TRUE(f->fallback_reason().empty());
    EXPECT_NE(f->FdFor(tail.data(), 0, kChunk), f->FdFor(tail.data(), 4 * kChunk, 100))
        << "an unaligned piece must go through the buffered descriptor";
    EXPECT_EQ(kChunk % f->offset_align(), 0u);
  } else {
    EXPECT_FALSE(f->fallback_reason().empty());
  }
}

TEST_F(BulkFileTest, DisabledOrIndivisibleDirectIoFallsBackAndSaysWhy) {
  auto off = Open(*Env::Default(), "off", {.direct = false});
  ASSERT_NE(off, nullptr);
  EXPECT_FALSE(off->direct());
  EXPECT_EQ(off->fallback_reason(), "O_DIRECT disabled");
  EXPECT_EQ(off->offset_align(), 1u);
  auto probe = Open(*Env::Default(), "probe", {.direct_unit = kChunk});
  ASSERT_NE(probe, nullptr);
  if (!probe->direct()) GTEST_SKIP() << "this file system refuses O_DIRECT";
  auto odd = Open(*Env::Default(), "odd", {.direct_unit = 1000});  // no sector divides it
  ASSERT_NE(odd, nullptr);
  EXPECT_FALSE(odd->direct());
  EXPECT_NE(odd->fallback_reason().find("does not divide the chunk size"), std::string::npos)
      << odd->fallback_reason();
}

TEST_F(BulkFileTest, ExclusiveCreateAndLockRefuseASecondWriter) {
  auto first = Open(*Env::Default(), "pad");
  ASSERT_NE(first, nullptr);
  ASSERT_TRUE(first->Lock().ok());
  auto again = Env::Default()->OpenBulkFile(dir_.File("pad"),
                                            {.write = true, .create = true, .exclusive = true});
  EXPECT_EQ(again.status().code(), Status::Code::kAlreadyExists);
  auto second = Open(*Env::Default(), "pad");
  ASSERT_NE(second, nullptr);
  EXPECT_EQ(second->Lock().code(), Status::Code::kBusy);
  EXPECT_EQ(Env::Default()->OpenBulkFile(dir_.File("missing"), {}).status().code(),
            Status::Code::kNotFound);
}

TEST_F(BulkFileTest, InjectedWriteFaultsReachRingCompletionsAndSynchronousWrites) {
  FaultInjectionEnv env;
  auto f = Open(env, "pad", {.direct_unit = kChunk});
  ASSERT_NE(f, nullptr);
  SecretBuffer b = Pattern(kChunk, 2);
  // A disk that is full from byte 2*kChunk + 10 on: the write reaching it fails.
  env.FailWritesInRange(2 * kChunk + 10, UINT64_MAX, ENOSPC, "pad");
  EXPECT_EQ(RingWrite(*f, b, kChunk, 0), static_cast<int>(kChunk));
  EXPECT_EQ(RingWrite(*f, b, kChunk, kChunk), static_cast<int>(kChunk));
  EXPECT_EQ(RingWrite(*f, b, kChunk, 2 * kChunk), -ENOSPC);
  EXPECT_EQ(f->Write(3 * kChunk, b.span()).status().code(), Status::Code::kNoSpace);
  env.ClearFaults();
  // EIO on the second write, then a short one.
  env.FailNthWrite(2, EIO, "pad");
  EXPECT_EQ(RingWrite(*f, b, kChunk, 0), static_cast<int>(kChunk));
  EXPECT_EQ(RingWrite(*f, b, kChunk, kChunk), -EIO);
  env.ShortNthWrite(1, 4096, "pad");
  EXPECT_EQ(RingWrite(*f, b, kChunk, 0), 4096);
  env.FailNthWrite(1, EIO, "pad");
  EXPECT_EQ(f->Write(0, b.span()).status().code(), Status::Code::kIOError);
  // Only the armed path is hit.
  auto other = Open(env, "other");
  ASSERT_NE(other, nullptr);
  env.FailWritesInRange(0, UINT64_MAX, EIO, "pad");
  EXPECT_EQ(RingWrite(*other, b, kChunk, 0), static_cast<int>(kChunk));
}

TEST_F(BulkFileTest, InjectedSyncAndReadFaultsCountOnlyBulkFilesWhenAsked) {
  FaultInjectionEnv env;
  auto f = Open(env, "pad");
  ASSERT_NE(f, nullptr);
  SecretBuffer b = Pattern(kChunk, 3);
  ASSERT_EQ(RingWrite(*f, b, kChunk, 0), static_cast<int>(kChunk));
  // The pad's manifest has the pad's path as a prefix: kBulk keeps its syncs out.
  auto manifest = env.OpenFile(dir_.File("pad.manifest"), {.write = true, .create = true});
  ASSERT_TRUE(manifest.ok());
  env.FailNthSync(2, EIO, dir_.File("pad"), FaultFiles::kBulk);
  EXPECT_TRUE((*manifest)->Sync().ok());
  EXPECT_TRUE((*manifest)->Sync().ok());
  EXPECT_EQ(RingSync(*f), 0);
  EXPECT_EQ(RingSync(*f), -EIO);
  env.FailNthSync(1, EIO, "pad", FaultFiles::kBulk);
  EXPECT_EQ(f->DataSync().code(), Status::Code::kIOError);

  env.FailNthRead(2, EIO, "pad", FaultFiles::kBulk);
  SecretBuffer back(kChunk);
  EXPECT_EQ(RingRead(*f, back, kChunk, 0), static_cast<int>(kChunk));
  EXPECT_EQ(RingRead(*f, back, kChunk, 0), -EIO);
  env.FailNthRead(1, EIO, "pad");
  EXPECT_EQ(ReadFully(*f, 0, back.span()).code(), Status::Code::kIOError);
  EXPECT_TRUE(ReadFully(*f, 0, back.span()).ok());
  EXPECT_TRUE(std::equal(back.data(), back.data() + kChunk, b.data()));
}

TEST_F(BulkFileTest, FaultEnvRefusesDirectIoAndFullDisksRefuseAllocation) {
  FaultInjectionEnv env;
  env.RefuseDirectIo(true);
  auto f = Open(env, "pad", {.direct_unit = kChunk});
  ASSERT_NE(f, nullptr);
  EXPECT_FALSE(f->direct());
  EXPECT_EQ(f->fallback_reason(), "O_DIRECT disabled");
  env.SetDiskFull(true);
  EXPECT_EQ(f->Allocate(1 << 20).code(), Status::Code::kNoSpace);
  env.SetDiskFull(false);
  EXPECT_TRUE(f->Allocate(1 << 20).ok());
  EXPECT_EQ(*f->Size(), 1u << 20);
}

}  // namespace
}  // namespace otc
