// End-to-end tests of a padgen run through the library (RunJob), with fault hooks on
// the data path and scripted HRNGs. CLI-level tests are in cli_test.cc.
#include "padgen/job.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <filesystem>

#include "common/encoding.h"
#include "common/fault_injection_env.h"
#include "padgen/randomness/manifest_extension.h"
#include "padgen/stream_source.h"
#include "padstore/manifest.h"
#include "test_util.h"

namespace otc::padgen {
namespace {

using namespace testing;  // tests/padgen/test_util.h

constexpr uint64_t kChunk = 64 << 10;

bool HasRun(const std::vector<uint8_t>& data, uint8_t value, size_t run) {
  size_t count = 0;
  for (uint8_t b : data) {
    count = b == value ? count + 1 : 0;
    if (count >= run) return true;
  }
  return false;
}

class JobTest : public ::testing::Test {
 protected:
  JobOptions Raw(uint64_t size, const std::vector<std::string>& outputs) {
    JobOptions o;
    o.size = size;
    o.chunk_size = kChunk;
    o.outputs = outputs;
    o.queue_depth = 4;
    // The default sync_every (every chunk), so failures leave a resumable prefix.
    return o;
  }

  JobOutcome Run(const JobOptions& o, const JobHooks& hooks = {}) {
    return testing::RunJobCapturing(o, hooks, cancel_, &messages_, 50);
  }

  // Both copies complete, byte-identical and matching their manifests.
  void ExpectGoodCopies(const std::vector<std::string>& pads, uint64_t size) {
    std::vector<uint8_t> first = ReadAll(pads[0]);
    ASSERT_EQ(first.size(), size);
    for (const std::string& p : pads) {
      EXPECT_EQ(ReadAll(p), first) << p << " differs from " << pads[0];
      auto c = CheckManifest(p + ".manifest", p);
      EXPECT_TRUE(c.header_ok) << p;
      EXPECT_TRUE(c.complete) << p;
      EXPECT_TRUE(c.digests_match) << p;
      EXPECT_EQ(c.pad_size, size);
    }
  }

  // A source built from scripted HRNG streams.
  JobHooks ScriptedHrng(std::vector<uint8_t> data, int error_at_end = 0) {
    JobHooks hooks;
    auto shared = std::make_shared<std::vector<uint8_t>>(std::move(data));
    hooks.make_source = [shared, error_at_end]() -> Result<std::unique_ptr<PadSource>> {
      std::vector<std::unique_ptr<ByteStream>> streams;
      streams.push_back(std::make_unique<ScriptedStream>("/dev/fake-hwrng", *shared, error_at_end));
      StreamSourceOptions o;
      o.kind = "hrng";
      o.block_size = 4096;
      return std::unique_ptr<PadSource>(new StreamSource(std::move(streams), o));
    };
    return hooks;
  }

  TestDir dir_;
  std::atomic<bool> cancel_{false};
  std::string messages_;
};

TEST_F(JobTest, RawPadWritesIdenticalVerifiedCopies) {
  const uint64_t size = (4 << 20) + 12345;  // a short last chunk, not block-aligned
  std::string a = dir_.File("a"), b = dir_.File("sub/b");
  JobOutcome out = Run(Raw(size, {a, b}));
  ASSERT_EQ(out.exit_code, kExitOk) << out.status.ToString();
  ExpectGoodCopies({a, b}, size);
  EXPECT_EQ(testing::FileMode(a), 0600u);
  EXPECT_EQ(testing::FileMode(b), 0600u);
  EXPECT_EQ(testing::FileMode(a + ".manifest"), 0600u);
  EXPECT_TRUE(out.summary["verified"].get<bool>());
  EXPECT_EQ(out.summary["size"].get<uint64_t>(), size);
  Result<padstore::Manifest> m = padstore::ReadManifest(*Env::Default(), a + ".manifest");
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(out.summary["pad_id"].get<std::string>(), HexEncode(m->pad_id));
  EXPECT_NE(messages_.find("getrandom"), std::string::npos) << messages_;
  EXPECT_NE(messages_.find("expected to take"), std::string::npos) << messages_;
}

TEST_F(JobTest, DefaultChunkSize) {
  std::string a = dir_.File("a"), b = dir_.File("b");
  JobOptions o = Raw(16 << 20, {a, b});
  o.chunk_size = padstore::kDefaultChunkSize;
  o.sync_every = JobOptions{}.sync_every;
  JobOutcome out = Run(o);
  ASSERT_EQ(out.exit_code, kExitOk) << out.status.ToString();
  ExpectGoodCopies({a, b}, 16 << 20);
  EXPECT_EQ(CheckManifest(a + ".manifest", a).chunk_records, 4u);
}

TEST_F(JobTest, StuckHrngStopsTheRunAndNoFailingBlockIsWritten) {
  std::vector<uint8_t> good = PseudoRandom(1 << 20, 21);
  std::vector<uint8_t> data = good;
  data.insert(data.end(), 4 << 20, 0xAB);
  std::string a = dir_.File("a"), b = dir_.File("b");
  JobOutcome out = Run(Raw(4 << 20, {a, b}), ScriptedHrng(data));
  ASSERT_EQ(out.exit_code, kExitFailed);
  EXPECT_NE(out.status.message().find("/dev/fake-hwrng"), std::string::npos)
      << out.status.message();
  EXPECT_NE(out.status.message().find("health tests 3 times"), std::string::npos);
  EXPECT_NE(out.status.message().find("--resume"), std::string::npos);
  // The durable chunks are exactly the good data after the startup samples, in order,
  // and the stuck bytes are nowhere in either copy.
  for (const std::string& p : {a, b}) {
    auto c = CheckManifest(p + ".manifest", p);
    ASSERT_TRUE(c.header_ok);
    EXPECT_TRUE(c.digests_match);
    EXPECT_FALSE(c.complete);
    // 255 good 4 KiB blocks after the startup bytes: 15 whole chunks, all kept.
    EXPECT_EQ(c.chunk_records, 15u);
    std::vector<uint8_t> pad = ReadAll(p);
    uint64_t n = c.chunk_records * kChunk;
    EXPECT_TRUE(std::equal(pad.begin(), pad.begin() + n, good.begin() + 1024));
    EXPECT_FALSE(HasRun(pad, 0xAB, 6)) << p;
  }
  const auto& src = out.summary["sources"][0];
  EXPECT_EQ(src["health_tests"]["rct_failures"].get<uint64_t>(), 3u);
}

TEST_F(JobTest, BiasedHrngStopsTheRun) {
  std::vector<uint8_t> data = PseudoRandom(1 << 20, 22);
  std::vector<uint8_t> noise = PseudoRandom(4 << 20, 23);
  for (size_t i = 0; i < noise.size(); ++i) data.push_back(i % 3 == 0 ? 0x00 : (noise[i] | 1));
  std::string a = dir_.File("a"), b = dir_.File("b");
  JobOutcome out = Run(Raw(4 << 20, {a, b}), ScriptedHrng(data));
  ASSERT_EQ(out.exit_code, kExitFailed);
  EXPECT_NE(out.status.message().find("adaptive proportion"), std::string::npos)
      << out.status.message();
  for (const std::string& p : {a, b}) {
    auto c = CheckManifest(p + ".manifest", p);
    EXPECT_TRUE(c.digests_match);
    std::vector<uint8_t> pad = ReadAll(p);
    uint64_t n = c.chunk_records * kChunk;
    EXPECT_TRUE(std::equal(pad.begin(), pad.begin() + n, data.begin() + 1024));
  }
}

TEST_F(JobTest, HrngFailingAtStartupLeavesNothingBehind) {
  std::string a = dir_.File("a"), b = dir_.File("b");
  JobOutcome out = Run(Raw(1 << 20, {a, b}), ScriptedHrng(std::vector<uint8_t>(1 << 20, 0)));
  ASSERT_EQ(out.exit_code, kExitFailed);
  EXPECT_NE(out.status.message().find("startup health test"), std::string::npos);
  EXPECT_FALSE(Exists(a));
  EXPECT_FALSE(Exists(a + ".manifest"));
  EXPECT_FALSE(Exists(b));
}

TEST_F(JobTest, HrngReadErrorMidRunIsFatalAndResumable) {
  std::string a = dir_.File("a"), b = dir_.File("b");
  JobOutcome out = Run(Raw(2 << 20, {a, b}), ScriptedHrng(PseudoRandom(1 << 20, 24), EIO));
  ASSERT_EQ(out.exit_code, kExitFailed);
  EXPECT_EQ(out.status.code(), Status::Code::kIOError);
  EXPECT_NE(out.status.message().find("Input/output error"), std::string::npos);
  EXPECT_NE(out.status.message().find("/dev/fake-hwrng"), std::string::npos);
  EXPECT_GT(CheckManifest(a + ".manifest", a).chunk_records, 0u);
  // The device is back: resume with a good source.
  JobOptions o = Raw(2 << 20, {a, b});
  o.resume = true;
  out = Run(o, ScriptedHrng(PseudoRandom(4 << 20, 25)));
  ASSERT_EQ(out.exit_code, kExitOk) << out.status.ToString();
  ExpectGoodCopies({a, b}, 2 << 20);
}

TEST_F(JobTest, WriteErrorIsFatalNamesTheDestinationAndIsResumable) {
  std::string a = dir_.File("a"), b = dir_.File("b");
  FaultInjectionEnv env;  // a bad region on b's drive at chunk 10
  env.FailWritesInRange(10 * kChunk, 10 * kChunk + 1, EIO, b);
  JobHooks hooks;
  hooks.env = &env;
  JobOutcome out = Run(Raw(2 << 20, {a, b}), hooks);
  ASSERT_EQ(out.exit_code, kExitFailed);
  EXPECT_EQ(out.status.code(), Status::Code::kIOError);
  const std::string& msg = out.status.message();
  EXPECT_NE(msg.find(b), std::string::npos) << msg;
  EXPECT_NE(msg.find("offset 655360"), std::string::npos) << msg;
  EXPECT_NE(msg.find("Input/output error"), std::string::npos) << msg;
  EXPECT_NE(msg.find("--resume"), std::string::npos) << msg;
  EXPECT_LE(CheckManifest(b + ".manifest", b).chunk_records, 10u);
  JobOptions o = Raw(2 << 20, {a, b});
  o.resume = true;
  out = Run(o);
  ASSERT_EQ(out.exit_code, kExitOk) << out.status.ToString();
  ExpectGoodCopies({a, b}, 2 << 20);
  EXPECT_GT(out.summary["resumed_from_chunk"].get<uint64_t>(), 0u);
}

TEST_F(JobTest, FailedFdatasyncIsFatalAndResumable) {
  std::string a = dir_.File("a"), b = dir_.File("b");
  FaultInjectionEnv env;  // the third fdatasync of pad a (not of its manifest)
  env.FailNthSync(3, EIO, a, FaultFiles::kBulk);
  JobHooks hooks;
  hooks.env = &env;
  JobOutcome out = Run(Raw(2 << 20, {a, b}), hooks);
  ASSERT_EQ(out.exit_code, kExitFailed);
  EXPECT_NE(out.status.message().find("fdatasync"), std::string::npos) << out.status.message();
  EXPECT_NE(out.status.message().find(a), std::string::npos);
  JobOptions o = Raw(2 << 20, {a, b});
  o.resume = true;
  out = Run(o);
  ASSERT_EQ(out.exit_code, kExitOk) << out.status.ToString();
  ExpectGoodCopies({a, b}, 2 << 20);
}

TEST_F(JobTest, FailedManifestSyncIsFatalAndResumable) {
  std::string a = dir_.File("a"), b = dir_.File("b");
  FaultInjectionEnv env;
  env.FailNthSync(3, EIO, "b.manifest");  // the header's sync, then record batches
  JobHooks hooks;
  hooks.env = &env;
  JobOutcome out = Run(Raw(2 << 20, {a, b}), hooks);
  ASSERT_EQ(out.exit_code, kExitFailed);
  EXPECT_NE(out.status.message().find("in the manifest"), std::string::npos)
      << out.status.message();
  EXPECT_NE(out.status.message().find(b), std::string::npos);
  JobOptions o = Raw(2 << 20, {a, b});
  o.resume = true;
  out = Run(o);
  ASSERT_EQ(out.exit_code, kExitOk) << out.status.ToString();
  ExpectGoodCopies({a, b}, 2 << 20);
}

// A short write (the kernel reports only part of a chunk written) is not an error: the
// pipeline writes the rest at its unaligned offset (through the buffered descriptor) and
// the run completes with good copies. The injected short write is only reported, so this
// checks that it is not taken for a failure or a finished chunk that breaks the run;
// BulkFileTest checks the short count reaches the ring's caller.
TEST_F(JobTest, AShortWriteIsCompletedAndTheCopiesAreGood) {
  std::string a = dir_.File("a"), b = dir_.File("b");
  FaultInjectionEnv env;
  env.ShortNthWrite(3, 1000, a, FaultFiles::kBulk);
  JobHooks hooks;
  hooks.env = &env;
  JobOutcome out = Run(Raw(2 << 20, {a, b}), hooks);
  ASSERT_EQ(out.exit_code, kExitOk) << out.status.ToString();
  ExpectGoodCopies({a, b}, 2 << 20);
}

TEST_F(JobTest, DiskFullMidRunSaysSoAndIsResumable) {
  std::string a = dir_.File("a"), b = dir_.File("b");
  FaultInjectionEnv env;  // a's disk is full from chunk 20 on
  env.FailWritesInRange(20 * kChunk, UINT64_MAX, ENOSPC, a);
  JobHooks hooks;
  hooks.env = &env;
  JobOutcome out = Run(Raw(2 << 20, {a, b}), hooks);
  ASSERT_EQ(out.exit_code, kExitFailed);
  EXPECT_EQ(out.status.code(), Status::Code::kNoSpace);
  EXPECT_NE(out.status.message().find("No space left"), std::string::npos);
  EXPECT_NE(out.status.message().find("--resume"), std::string::npos);
  JobOptions o = Raw(2 << 20, {a, b});
  o.resume = true;
  out = Run(o);
  ASSERT_EQ(out.exit_code, kExitOk) << out.status.ToString();
  ExpectGoodCopies({a, b}, 2 << 20);
}

TEST_F(JobTest, ResumeContinuesFromTheShorterManifest) {
  std::string a = dir_.File("a"), b = dir_.File("b");
  FaultInjectionEnv env;  // b fails from chunk 5 on, a keeps going until the run stops
  env.FailWritesInRange(5 * kChunk, UINT64_MAX, EIO, b);
  JobHooks hooks;
  hooks.env = &env;
  JobOutcome out = Run(Raw(4 << 20, {a, b}), hooks);
  ASSERT_EQ(out.exit_code, kExitFailed);
  uint64_t na = CheckManifest(a + ".manifest", a).chunk_records;
  uint64_t nb = CheckManifest(b + ".manifest", b).chunk_records;
  EXPECT_LE(nb, 5u);
  EXPECT_GE(na, nb);
  JobOptions o = Raw(4 << 20, {a, b});
  o.resume = true;
  out = Run(o);
  ASSERT_EQ(out.exit_code, kExitOk) << out.status.ToString();
  EXPECT_EQ(out.summary["resumed_from_chunk"].get<uint64_t>(), nb);
  ExpectGoodCopies({a, b}, 4 << 20);
}

TEST_F(JobTest, CancelStopsCleanlyAndResumeFinishes) {
  std::string a = dir_.File("a"), b = dir_.File("b");
  JobHooks hooks;
  hooks.observer = [this](uint64_t chunk, std::span<const uint8_t>) {
    if (chunk == 8) cancel_ = true;
  };
  JobOutcome out = Run(Raw(4 << 20, {a, b}), hooks);
  ASSERT_EQ(out.exit_code, kExitInterrupted) << out.status.ToString();
  EXPECT_NE(out.status.message().find("--resume"), std::string::npos);
  auto c = CheckManifest(a + ".manifest", a);
  EXPECT_TRUE(c.digests_match);
  EXPECT_FALSE(c.complete);
  cancel_ = false;
  JobOptions o = Raw(4 << 20, {a, b});
  o.resume = true;
  out = Run(o);
  ASSERT_EQ(out.exit_code, kExitOk) << out.status.ToString();
  ExpectGoodCopies({a, b}, 4 << 20);
}

TEST_F(JobTest, ResumeWithADifferentSizeIsRejected) {
  std::string a = dir_.File("a"), b = dir_.File("b");
  ASSERT_EQ(Run(Raw(1 << 20, {a, b})).exit_code, kExitOk);
  JobOptions o = Raw(2 << 20, {a, b});
  o.resume = true;
  JobOutcome out = Run(o);
  EXPECT_EQ(out.exit_code, kExitUsage);
  EXPECT_NE(out.status.message().find("--size 1048576"), std::string::npos) << out.status.message();
}

TEST_F(JobTest, ResumingACompletePadOnlyVerifiesIt) {
  std::string a = dir_.File("a"), b = dir_.File("b");
  JobOutcome first = Run(Raw(1 << 20, {a, b}));
  ASSERT_EQ(first.exit_code, kExitOk);
  JobOptions o = Raw(1 << 20, {a, b});
  o.resume = true;
  JobOutcome out = Run(o);
  ASSERT_EQ(out.exit_code, kExitOk) << out.status.ToString();
  EXPECT_NE(messages_.find("already complete"), std::string::npos);
  EXPECT_EQ(out.summary["pad_id"], first.summary["pad_id"]);
}

TEST_F(JobTest, VerificationMismatchNamesTheDestinationAndOffset) {
  std::string a = dir_.File("a"), b = dir_.File("b");
  JobHooks hooks;
  hooks.after_write = [&] {
    int fd = ::open(b.c_str(), O_RDWR);
    uint8_t byte;
    ASSERT_EQ(::pread(fd, &byte, 1, 3 * kChunk + 5), 1);
    byte ^= 0x01;
    ASSERT_EQ(::pwrite(fd, &byte, 1, 3 * kChunk + 5), 1);
    ::fsync(fd);
    ::close(fd);
  };
  JobOutcome out = Run(Raw(1 << 20, {a, b}), hooks);
  ASSERT_EQ(out.exit_code, kExitVerifyFailed) << out.status.ToString();
  const std::string& msg = out.status.message();
  EXPECT_NE(msg.find(b), std::string::npos) << msg;
  EXPECT_NE(msg.find("chunk 3"), std::string::npos) << msg;
  EXPECT_NE(msg.find("offset 196608..262143"), std::string::npos) << msg;
  EXPECT_EQ(msg.find(a + " "), std::string::npos) << msg;
}

TEST_F(JobTest, ReadErrorWhileVerifyingNamesTheDestinationAndOffset) {
  std::string a = dir_.File("a"), b = dir_.File("b");
  FaultInjectionEnv env;  // the drive holding b cannot read back its 4th chunk
  JobHooks hooks;
  hooks.env = &env;
  hooks.after_write = [&] { env.FailNthRead(4, EIO, b, FaultFiles::kBulk); };
  JobOutcome out = Run(Raw(1 << 20, {a, b}), hooks);
  ASSERT_EQ(out.exit_code, kExitVerifyFailed) << out.status.ToString();
  EXPECT_EQ(out.status.code(), Status::Code::kIOError);
  const std::string& msg = out.status.message();
  EXPECT_NE(msg.find("verifying " + b), std::string::npos) << msg;
  EXPECT_NE(msg.find("at offset "), std::string::npos) << msg;
  EXPECT_NE(msg.find("Input/output error"), std::string::npos) << msg;
}

TEST_F(JobTest, RefusedODirectFallsBackToBufferedWritesAndSaysSo) {
  std::string a = dir_.File("a"), b = dir_.File("b");
  FaultInjectionEnv env;
  env.RefuseDirectIo(true);
  JobHooks hooks;
  hooks.env = &env;
  JobOutcome out = Run(Raw((1 << 20) + 100, {a, b}), hooks);
  ASSERT_EQ(out.exit_code, kExitOk) << out.status.ToString();
  EXPECT_NE(messages_.find("using buffered writes with fdatasync per chunk"), std::string::npos)
      << messages_;
  EXPECT_FALSE(out.summary["destinations"][0]["direct_io"].get<bool>());
  ExpectGoodCopies({a, b}, (1 << 20) + 100);
}

TEST_F(JobTest, RamfsRefusesODirectForReal) {
  ScratchMount ramfs("ramfs", 0);
  if (!ramfs.ok()) GTEST_SKIP() << "needs root to mount ramfs";
  std::string a = ramfs.path() + "/a", b = ramfs.path() + "/b";
  JobOutcome out = Run(Raw(1 << 20, {a, b}));
  ASSERT_EQ(out.exit_code, kExitOk) << out.status.ToString();
  EXPECT_NE(messages_.find("refuses O_DIRECT"), std::string::npos) << messages_;
  EXPECT_NE(messages_.find("does not report its free space"), std::string::npos) << messages_;
  ExpectGoodCopies({a, b}, 1 << 20);
}

TEST_F(JobTest, TmpfsDestinationsWork) {
  ScratchMount tmpfs("tmpfs", 16 << 20);
  if (!tmpfs.ok()) GTEST_SKIP() << "needs root to mount tmpfs";
  std::string a = tmpfs.path() + "/a", b = tmpfs.path() + "/b";
  JobOutcome out = Run(Raw(4 << 20, {a, b}));
  ASSERT_EQ(out.exit_code, kExitOk) << out.status.ToString();
  ExpectGoodCopies({a, b}, 4 << 20);
}

TEST_F(JobTest, TooLittleSpaceIsCaughtBeforeAnyWork) {
  ScratchMount tmpfs("tmpfs", 8 << 20);
  if (!tmpfs.ok()) GTEST_SKIP() << "needs root to mount tmpfs";
  std::string a = tmpfs.path() + "/a", b = dir_.File("b");
  JobOutcome out = Run(Raw(16 << 20, {a, b}));
  ASSERT_EQ(out.exit_code, kExitUsage);
  EXPECT_EQ(out.status.code(), Status::Code::kNoSpace);
  EXPECT_NE(out.status.message().find("not enough space"), std::string::npos);
  EXPECT_NE(out.status.message().find("smaller --size"), std::string::npos);
  EXPECT_TRUE(std::filesystem::is_empty(tmpfs.path()));
  EXPECT_TRUE(std::filesystem::is_empty(dir_.path()));
}

TEST_F(JobTest, CopiesOnOneFileSystemAreAddedUp) {
  ScratchMount tmpfs("tmpfs", 8 << 20);
  if (!tmpfs.ok()) GTEST_SKIP() << "needs root to mount tmpfs";
  std::string a = tmpfs.path() + "/a", b = tmpfs.path() + "/b";
  JobOutcome out = Run(Raw(5 << 20, {a, b}));  // 5M fits once, not twice
  ASSERT_EQ(out.exit_code, kExitUsage);
  EXPECT_NE(out.status.message().find(a + " and " + b), std::string::npos) << out.status.message();
  out = Run(Raw(3 << 20, {a, b}));
  EXPECT_EQ(out.exit_code, kExitOk) << out.status.ToString();
}

// A loop device over a file in the test directory, detached on destruction.
class LoopDevice {
 public:
  explicit LoopDevice(const std::string& backing) {
    if (::geteuid() != 0) return;
    FILE* p = ::popen(("losetup -f --show " + backing + " 2>/dev/null").c_str(), "r");
    if (p == nullptr) return;
    char buf[128] = {};
    if (std::fgets(buf, sizeof buf, p) != nullptr) path_ = buf;
    ::pclose(p);
    while (!path_.empty() && path_.back() == '\n') path_.pop_back();
  }
  ~LoopDevice() {
    if (!path_.empty()) std::system(("losetup -d " + path_).c_str());
  }
  bool ok() const { return !path_.empty(); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

TEST_F(JobTest, BlockDeviceDestination) {
  testing::WriteAll(dir_.File("disk.img"), std::vector<uint8_t>(8 << 20, 0));
  LoopDevice loop(dir_.File("disk.img"));
  if (!loop.ok()) GTEST_SKIP() << "needs root and a free loop device";
  std::string file = dir_.File("copy");
  JobOptions o = Raw(4 << 20, {loop.path(), file});
  JobOutcome out = Run(o);  // no --manifest-dir: the manifest would land in /dev
  EXPECT_EQ(out.exit_code, kExitUsage);
  EXPECT_NE(out.status.message().find("--manifest-dir"), std::string::npos);
  o.manifest_dir = dir_.File("manifests");
  out = Run(o);  // no --force: writing a block device overwrites it
  EXPECT_EQ(out.exit_code, kExitUsage);
  EXPECT_NE(out.status.message().find("--force"), std::string::npos);
  o.force = true;
  o.size = 16 << 20;  // larger than the device
  out = Run(o);
  EXPECT_EQ(out.exit_code, kExitUsage);
  EXPECT_EQ(out.status.code(), Status::Code::kNoSpace);
  o.size = 4 << 20;
  out = Run(o);
  ASSERT_EQ(out.exit_code, kExitOk) << out.status.ToString();
  std::vector<uint8_t> device = ReadAll(loop.path());
  std::vector<uint8_t> copy = ReadAll(file);
  ASSERT_EQ(copy.size(), 4u << 20);
  EXPECT_TRUE(std::equal(copy.begin(), copy.end(), device.begin()));
  std::string manifest = dir_.File(
      "manifests/" + std::filesystem::path(loop.path()).filename().string() + ".manifest");
  auto c = CheckManifest(manifest, loop.path());
  EXPECT_TRUE(c.complete);
  EXPECT_TRUE(c.digests_match);
  EXPECT_TRUE(CheckManifest(dir_.File("manifests/copy.manifest"), file).complete);
}

TEST_F(JobTest, ExistingPadNeedsResumeOrForce) {
  std::string a = dir_.File("a"), b = dir_.File("b");
  JobOutcome first = Run(Raw(1 << 20, {a, b}));
  ASSERT_EQ(first.exit_code, kExitOk);
  JobOutcome out = Run(Raw(1 << 20, {a, b}));
  ASSERT_EQ(out.exit_code, kExitUsage);
  EXPECT_NE(out.status.message().find("--resume"), std::string::npos);
  EXPECT_NE(out.status.message().find("--force"), std::string::npos);
  EXPECT_EQ(out.summary["pad_id"], nullptr);
  JobOptions o = Raw(1 << 20, {a, b});
  o.force = true;
  out = Run(o);
  ASSERT_EQ(out.exit_code, kExitOk) << out.status.ToString();
  EXPECT_NE(out.summary["pad_id"], first.summary["pad_id"]);
  ExpectGoodCopies({a, b}, 1 << 20);
}

TEST_F(JobTest, SamePathTwiceIsRejected) {
  std::string a = dir_.File("a");
  JobOutcome out = Run(Raw(1 << 20, {a, dir_.path() + "/./a"}));
  EXPECT_EQ(out.exit_code, kExitUsage);
  EXPECT_NE(out.status.message().find("same place"), std::string::npos) << out.status.message();
  ASSERT_EQ(::symlink(dir_.path().c_str(), (dir_.File("link")).c_str()), 0);
  out = Run(Raw(1 << 20, {a, dir_.File("link/a")}));
  EXPECT_EQ(out.exit_code, kExitUsage);
  EXPECT_FALSE(Exists(a));
}

TEST_F(JobTest, SourceThatIsAlsoADestinationIsRejected) {
  testing::WriteAll(dir_.File("a"), PseudoRandom(1 << 20, 1));
  JobOptions o = Raw(1 << 20, {dir_.File("a"), dir_.File("b")});
  o.source = "file:" + dir_.File("a");
  o.force = true;
  JobOutcome out = Run(o);
  EXPECT_EQ(out.exit_code, kExitUsage);
  EXPECT_NE(out.status.message().find("also a destination"), std::string::npos);
}

TEST_F(JobTest, UnwritableDestinationIsRejectedBeforeAnyWork) {
  testing::WriteAll(dir_.File("file"), {1, 2, 3});
  JobOutcome out = Run(Raw(1 << 20, {dir_.File("a"), dir_.File("file/b")}));
  EXPECT_EQ(out.exit_code, kExitUsage);
  EXPECT_NE(out.status.message().find("not a directory"), std::string::npos)
      << out.status.message();
  EXPECT_FALSE(Exists(dir_.File("a")));

  ScratchMount ro("tmpfs", 1 << 20, /*read_only=*/true);
  if (!ro.ok()) GTEST_SKIP() << "needs root to mount a read-only tmpfs";
  out = Run(Raw(1 << 20, {dir_.File("a"), ro.path() + "/b"}));
  EXPECT_EQ(out.exit_code, kExitUsage);
  EXPECT_NE(out.status.message().find("read-only"), std::string::npos) << out.status.message();
  EXPECT_FALSE(Exists(dir_.File("a")));
}

TEST_F(JobTest, MissingHrngIsRejectedBeforeAnyWork) {
  JobOptions o = Raw(1 << 20, {dir_.File("a"), dir_.File("b")});
  o.hrngs = {"/dev/otc-test-no-such-hwrng"};
  JobOutcome out = Run(o);
  EXPECT_EQ(out.exit_code, kExitUsage);
  EXPECT_NE(out.status.message().find("/dev/otc-test-no-such-hwrng"), std::string::npos);
  EXPECT_FALSE(Exists(dir_.File("a")));
}

TEST_F(JobTest, HrngEndingMidRunIsFatal) {
  testing::WriteAll(dir_.File("rng"), PseudoRandom(300 << 10, 30));
  JobOptions o = Raw(1 << 20, {dir_.File("a"), dir_.File("b")});
  o.hrngs = {dir_.File("rng")};
  o.hrng_block = 4096;
  JobOutcome out = Run(o);
  EXPECT_EQ(out.exit_code, kExitFailed);
  EXPECT_NE(out.status.message().find("end of file"), std::string::npos) << out.status.message();
  EXPECT_NE(out.status.message().find(dir_.File("rng")), std::string::npos);
  EXPECT_EQ(CheckManifest(dir_.File("a.manifest"), dir_.File("a")).chunk_records, 4u);
}

TEST_F(JobTest, BadOptionsAreUsageErrors) {
  JobOptions o = Raw(0, {dir_.File("a")});
  EXPECT_EQ(Run(o).exit_code, kExitUsage);
  o = Raw(1 << 20, {});
  JobOutcome out = Run(o);
  EXPECT_EQ(out.exit_code, kExitUsage);
  EXPECT_NE(out.status.message().find("no destination"), std::string::npos);
  o = Raw(1 << 20, {dir_.File("a")});
  o.chunk_size = 1000;
  EXPECT_EQ(Run(o).exit_code, kExitUsage);
  o = Raw(1 << 20, {});
  o.users = {{"alice", dir_.File("A")}, {"bob", dir_.File("B")}, {"carol", dir_.File("C")}};
  out = Run(o);
  EXPECT_EQ(out.exit_code, kExitUsage);
  EXPECT_NE(out.status.message().find("exactly two"), std::string::npos);
  o.users = {{"alice", dir_.File("A")}};
  EXPECT_EQ(Run(o).exit_code, kExitUsage);
  o.users = {{"alice", dir_.File("A")}, {"alice", dir_.File("B")}};
  EXPECT_EQ(Run(o).exit_code, kExitUsage);
  o.users = {{"alice", dir_.File("A")}, {"../bob", dir_.File("B")}};
  EXPECT_EQ(Run(o).exit_code, kExitUsage);
  o = Raw(1 << 20, {dir_.File("a")});
  o.source = "urandom";
  EXPECT_EQ(Run(o).exit_code, kExitUsage);
  o.source = "random";
  o.hrngs = {"/dev/hwrng"};
  EXPECT_EQ(Run(o).exit_code, kExitUsage);
  o = Raw(1 << 20, {dir_.File("a")});
  o.force = o.resume = true;
  EXPECT_EQ(Run(o).exit_code, kExitUsage);
  o = Raw(1 << 20, {dir_.File("a")});
  o.sync_every = kChunk / 2;  // less than a chunk (0, the default, means every chunk)
  out = Run(o);
  EXPECT_EQ(out.exit_code, kExitUsage);
  EXPECT_NE(out.status.message().find("--sync-every"), std::string::npos);
  EXPECT_TRUE(std::filesystem::is_empty(dir_.path()));
}

// A stand-in for a randomness extractor: two input bytes per output byte, with
// parameters stored in the manifest extension and restored on resume.
class HalvingTransform final : public Transform {
 public:
  std::string Name() const override { return "halve"; }
  uint64_t InputBytes(uint64_t out) const override { return 2 * out; }
  Status Apply(uint64_t, std::span<const uint8_t> in, std::span<uint8_t> out) override {
    if (in.size() != 2 * out.size()) return Status::Internal("bad sizes");
    for (size_t i = 0; i < out.size(); ++i) out[i] = in[2 * i] ^ in[2 * i + 1];
    return Status::Ok();
  }
  std::vector<ExtensionEntry> ManifestEntries() const override {
    return {{kTagToeplitz, {1, 2, 3}}};
  }
  Status Restore(const std::vector<ExtensionEntry>& entries) override {
    std::optional<ExtensionEntry> e = FindExtensionEntry(entries, kTagToeplitz);
    if (!e) return Status::Corruption("missing parameters");
    restored = e->value;
    return Status::Ok();
  }
  std::vector<uint8_t> restored;
};

TEST_F(JobTest, TransformsAndObserverPlugIntoThePipeline) {
  std::string a = dir_.File("a"), b = dir_.File("b");
  HalvingTransform halve;
  auto raw_bytes = std::make_shared<std::atomic<uint64_t>>(0);
  JobHooks hooks;
  hooks.transforms = {&halve};
  hooks.observer = [this, raw_bytes](uint64_t chunk, std::span<const uint8_t> raw) {
    *raw_bytes += raw.size();
    if (chunk == 4) cancel_ = true;
  };
  JobOutcome out = Run(Raw(1 << 20, {a, b}), hooks);
  ASSERT_EQ(out.exit_code, kExitInterrupted) << out.status.ToString();
  EXPECT_EQ(*raw_bytes % (2 * kChunk), 0u);
  auto c = CheckManifest(a + ".manifest", a);
  Result<std::vector<ExtensionEntry>> ext = DecodeExtension(c.extension);
  ASSERT_TRUE(ext.ok());
  ASSERT_TRUE(FindExtensionEntry(*ext, kTagToeplitz).has_value());
  EXPECT_EQ(FindExtensionEntry(*ext, kTagToeplitz)->value, (std::vector<uint8_t>{1, 2, 3}));
  ASSERT_TRUE(FindExtensionEntry(*ext, kTagSource).has_value());
  std::vector<uint8_t> source = FindExtensionEntry(*ext, kTagSource)->value;
  EXPECT_EQ(std::string(source.begin(), source.end()).rfind("getrandom", 0), 0u);

  cancel_ = false;
  hooks.observer = nullptr;
  JobOptions o = Raw(1 << 20, {a, b});
  o.resume = true;
  out = Run(o, hooks);
  ASSERT_EQ(out.exit_code, kExitOk) << out.status.ToString();
  EXPECT_EQ(halve.restored, (std::vector<uint8_t>{1, 2, 3}));
  ExpectGoodCopies({a, b}, 1 << 20);
}

}  // namespace
}  // namespace otc::padgen
