// padgen with its randomness-assurance flags through the library (RunJob): --extract toeplitz,
// --epsilon,
// --mix, --assess, and --resume of extracted pads. The expected pad is recomputed here from
// the input file and the seed in the manifest with a plain word-at-a-time Toeplitz product
// (not padgen's carry-less kernels).
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "padgen/job.h"
#include "padgen/randomness/manifest_extension.h"
#include "padgen/randomness/toeplitz.h"
#include "padgen/stream_source.h"
#include "padstore/manifest.h"
#include "test_util.h"
#include "tests/randomness/biased_source.h"

namespace otc::padgen {
namespace {

using namespace testing;  // tests/padgen/test_util.h

constexpr uint64_t kChunk = 64 << 10;

int Bit(std::span<const uint8_t> b, size_t i) { return (b[i / 8] >> (i % 8)) & 1; }

// 64 bits of `b` starting at bit `pos` (bits past the end read as 0).
uint64_t Window(std::span<const uint8_t> b, size_t pos) {
  uint64_t w = 0;
  for (size_t k = 0; k < 64; ++k) {
    size_t i = pos + k;
    if (i / 8 < b.size() && Bit(b, i)) w |= uint64_t{1} << k;
  }
  return w;
}

// y_i = XOR_j s[i + n - 1 - j] x_j = parity(s[i .. i+n) & reverse(x)), per toeplitz.h.
std::vector<uint8_t> ReferenceBlock(std::span<const uint8_t> seed, std::span<const uint8_t> x,
                                    size_t n, size_t m) {
  std::vector<uint64_t> xrev(n / 64, 0);
  for (size_t t = 0; t < n; ++t) {
    if (Bit(x, n - 1 - t)) xrev[t / 64] |= uint64_t{1} << (t % 64);
  }
  std::vector<uint64_t> sw((n + m + 63) / 64 + 1);
  for (size_t w = 0; w < sw.size(); ++w) sw[w] = Window(seed, 64 * w);
  std::vector<uint8_t> y(m / 8, 0);
  for (size_t i = 0; i < m; ++i) {
    uint64_t acc = 0;
    for (size_t w = 0; w < n / 64; ++w) {
      size_t pos = i + 64 * w;  // 64 seed bits from bit pos
      size_t q = pos / 64, r = pos % 64;
      uint64_t s = r == 0 ? sw[q] : (sw[q] >> r) | (sw[q + 1] << (64 - r));
      acc ^= s & xrev[w];
    }
    if (std::popcount(acc) & 1) y[i / 8] |= static_cast<uint8_t>(1 << (i % 8));
  }
  return y;
}

// The pad padgen must produce from `input` with the extractor in `record`: each chunk
// starts on a fresh input block and its last block's output is cut to the chunk's length.
std::vector<uint8_t> ExpectedPad(std::span<const uint8_t> record, std::span<const uint8_t> input,
                                 uint64_t size, uint64_t chunk) {
  Result<ToeplitzExtractor> ex = ToeplitzExtractor::Deserialize(record);
  EXPECT_TRUE(ex.ok()) << ex.status().ToString();
  if (!ex.ok()) return {};
  const ToeplitzParams& p = ex->params();
  const size_t ib = p.input_block_bytes();
  std::vector<uint8_t> pad;
  size_t in_pos = 0;
  for (uint64_t off = 0; off < size; off += chunk) {
    const uint64_t len = std::min(chunk, size - off);
    std::vector<uint8_t> out;
    while (out.size() < len) {
      EXPECT_LE(in_pos + ib, input.size()) << "input too short";
      if (in_pos + ib > input.size()) return {};
      std::vector<uint8_t> y =
          ReferenceBlock(ex->seed(), input.subspan(in_pos, ib), p.block_bits, p.output_bits);
      in_pos += ib;
      out.insert(out.end(), y.begin(), y.end());
    }
    pad.insert(pad.end(), out.begin(), out.begin() + static_cast<ptrdiff_t>(len));
  }
  return pad;
}

std::vector<ExtensionEntry> Extension(const std::string& manifest) {
  Result<padstore::Manifest> m = padstore::ReadManifest(*Env::Default(), manifest);
  EXPECT_TRUE(m.ok()) << m.status().ToString();
  if (!m.ok()) return {};
  Result<std::vector<ExtensionEntry>> e = DecodeExtension(m->extension);
  EXPECT_TRUE(e.ok());
  return e.ok() ? *e : std::vector<ExtensionEntry>{};
}

class ExtractTest : public ::testing::Test {
 protected:
  // A raw pad of `size` from the file `input` with --extract toeplitz --min-entropy 1.
  JobOptions Extracting(uint64_t size, const std::string& input) {
    JobOptions o;
    o.size = size;
    o.chunk_size = kChunk;
    o.outputs = {dir_.File("a"), dir_.File("b")};
    o.queue_depth = 4;
    o.sync_every = kChunk;
    o.source = "file:" + input;
    o.extract = "toeplitz";
    o.health.min_entropy = 1.0;
    o.min_entropy_given = true;
    return o;
  }

  JobOutcome Run(const JobOptions& o, const JobHooks& hooks = {}) {
    return testing::RunJobCapturing(o, hooks, cancel_, &messages_, 20);
  }

  void ExpectNothingCreated() {
    EXPECT_FALSE(Exists(dir_.File("a")));
    EXPECT_FALSE(Exists(dir_.File("a.manifest")));
    EXPECT_FALSE(Exists(dir_.File("b")));
  }

  TestDir dir_;
  std::atomic<bool> cancel_{false};
  std::string messages_;
};

TEST_F(ExtractTest, PadIsTheToeplitzHashOfTheFileWithTheManifestSeed) {
  const uint64_t size = 4 * kChunk + 777;  // chunks not a multiple of 48 bytes; short last one
  std::vector<uint8_t> input = testing::BiasedBytes(4 << 20, 1);
  WriteAll(dir_.File("in"), input);
  JobOutcome out = Run(Extracting(size, dir_.File("in")));
  ASSERT_EQ(out.exit_code, kExitOk) << out.status.ToString() << messages_;
  std::vector<ExtensionEntry> ext = Extension(dir_.File("a.manifest"));
  std::optional<ExtensionEntry> rec = FindExtensionEntry(ext, kTagToeplitz);
  ASSERT_TRUE(rec.has_value());
  EXPECT_FALSE(FindExtensionEntry(ext, kTagGetrandomMix).has_value());
  std::vector<uint8_t> pad = ReadAll(dir_.File("a"));
  ASSERT_EQ(pad.size(), size);
  EXPECT_EQ(pad, ExpectedPad(rec->value, input, size, kChunk));
  EXPECT_EQ(ReadAll(dir_.File("b")), pad);
  EXPECT_TRUE(CheckManifest(dir_.File("b.manifest"), dir_.File("b")).complete);

  // Length math: n = 4096, H = 1, eps = 2^-64: 512 - 128 = 384 bits = 48 bytes per
  // 512-byte block; a 64 KiB chunk takes ceil(65536 / 48) = 1366 blocks, the 777-byte
  // chunk 17.
  EXPECT_EQ(out.summary["extraction"]["output_bits"].get<uint32_t>(), 384u);
  EXPECT_EQ(out.summary["source_bytes_needed"].get<uint64_t>(), (4 * 1366 + 17) * 512u);
  EXPECT_NE(out.summary["guarantee"].get<std::string>().find("information-theoretic"),
            std::string::npos);
  std::optional<ExtensionEntry> src = FindExtensionEntry(ext, kTagSource);
  ASSERT_TRUE(src.has_value());
  std::string text(src->value.begin(), src->value.end());
  EXPECT_NE(text.find("Toeplitz extraction"), std::string::npos) << text;
  EXPECT_NE(messages_.find("Toeplitz extraction"), std::string::npos) << messages_;
  EXPECT_NE(messages_.find("of input needed"), std::string::npos) << messages_;
}

TEST_F(ExtractTest, ResumedExtractedPadEqualsAnUninterruptedOne) {
  const uint64_t size = 12 * kChunk;
  std::vector<uint8_t> input = testing::BiasedBytes(12 << 20, 2);
  WriteAll(dir_.File("in"), input);
  JobHooks hooks;
  hooks.observer = [this](uint64_t chunk, std::span<const uint8_t>) {
    if (chunk == 5) cancel_ = true;
  };
  JobOutcome out = Run(Extracting(size, dir_.File("in")), hooks);
  ASSERT_EQ(out.exit_code, kExitInterrupted) << out.status.ToString();
  uint64_t written = CheckManifest(dir_.File("a.manifest"), dir_.File("a")).chunk_records;
  ASSERT_GT(written, 0u);
  ASSERT_LT(written, 12u);
  std::vector<uint8_t> seed_before =
      FindExtensionEntry(Extension(dir_.File("a.manifest")), kTagToeplitz)->value;
  cancel_ = false;
  JobOptions o = Extracting(size, dir_.File("in"));
  o.resume = true;
  out = Run(o);
  ASSERT_EQ(out.exit_code, kExitOk) << out.status.ToString() << messages_;
  EXPECT_GT(out.summary["resumed_from_chunk"].get<uint64_t>(), 0u);
  EXPECT_GT(out.summary["source_bytes_skipped"].get<uint64_t>(), 0u);
  std::vector<uint8_t> record =
      FindExtensionEntry(Extension(dir_.File("a.manifest")), kTagToeplitz)->value;
  EXPECT_EQ(record, seed_before);
  std::vector<uint8_t> pad = ReadAll(dir_.File("a"));
  EXPECT_EQ(pad, ExpectedPad(record, input, size, kChunk));
  EXPECT_EQ(ReadAll(dir_.File("b")), pad);
}

TEST_F(ExtractTest, ResumeOfAPlainFilePadSkipsTheBytesAlreadyUsed) {
  std::vector<uint8_t> input = PseudoRandom(8 << 20, 3);
  WriteAll(dir_.File("in"), input);
  JobOptions o = Extracting(8 * kChunk, dir_.File("in"));
  o.extract.clear();
  o.min_entropy_given = false;
  JobHooks hooks;
  hooks.observer = [this](uint64_t chunk, std::span<const uint8_t>) {
    if (chunk == 3) cancel_ = true;
  };
  ASSERT_EQ(Run(o, hooks).exit_code, kExitInterrupted);
  cancel_ = false;
  o.resume = true;
  JobOutcome out = Run(o);
  ASSERT_EQ(out.exit_code, kExitOk) << out.status.ToString();
  // Without the skip the resumed chunks would repeat the file's first bytes: a reused pad.
  EXPECT_EQ(ReadAll(dir_.File("a")),
            std::vector<uint8_t>(input.begin(), input.begin() + 8 * kChunk));
}

TEST_F(ExtractTest, MixedPadDiffersFromItsConstantInputAndLooksUniform) {
  WriteAll(dir_.File("zeros"), std::vector<uint8_t>(2 << 20, 0));
  JobOptions o = Extracting(1 << 20, dir_.File("zeros"));
  o.extract.clear();
  o.min_entropy_given = false;
  o.mix = true;
  JobOutcome out = Run(o);
  ASSERT_EQ(out.exit_code, kExitOk) << out.status.ToString();
  std::vector<uint8_t> pad = ReadAll(dir_.File("a"));
  ASSERT_EQ(pad.size(), 1u << 20);
  EXPECT_EQ(ReadAll(dir_.File("b")), pad);
  std::vector<uint64_t> counts(256, 0);
  for (uint8_t b : pad) ++counts[b];
  // 4096 expected per value, sigma = sqrt(4096 * 255/256) ~ 64: 8 sigma never trips by chance.
  for (int v = 0; v < 256; ++v) {
    EXPECT_NEAR(static_cast<double>(counts[v]), 4096.0, 512.0) << "byte value " << v;
  }
  std::vector<ExtensionEntry> ext = Extension(dir_.File("a.manifest"));
  EXPECT_TRUE(FindExtensionEntry(ext, kTagGetrandomMix).has_value());
  EXPECT_FALSE(FindExtensionEntry(ext, kTagToeplitz).has_value());
  EXPECT_TRUE(out.summary["mix"].get<bool>());
}

TEST_F(ExtractTest, ExtractThenMixRecordsBothAndDiffersFromExtractionAlone) {
  std::vector<uint8_t> input = testing::BiasedBytes(4 << 20, 4);
  WriteAll(dir_.File("in"), input);
  JobOptions o = Extracting(2 * kChunk, dir_.File("in"));
  o.mix = true;
  JobOutcome out = Run(o);
  ASSERT_EQ(out.exit_code, kExitOk) << out.status.ToString();
  std::vector<ExtensionEntry> ext = Extension(dir_.File("a.manifest"));
  std::optional<ExtensionEntry> rec = FindExtensionEntry(ext, kTagToeplitz);
  ASSERT_TRUE(rec.has_value());
  EXPECT_TRUE(FindExtensionEntry(ext, kTagGetrandomMix).has_value());
  // Extraction consumed the input (mixing is 1:1, after it) ...
  EXPECT_EQ(out.summary["source_bytes_needed"].get<uint64_t>(), 2 * 1366 * 512u);
  // ... and the pad is not the bare extraction.
  EXPECT_NE(ReadAll(dir_.File("a")), ExpectedPad(rec->value, input, 2 * kChunk, kChunk));
}

TEST_F(ExtractTest, BadExtractionOptionsAreUsageErrors) {
  WriteAll(dir_.File("in"), PseudoRandom(1 << 20, 5));
  struct Case {
    std::function<void(JobOptions&)> change;
    std::string expect;
  };
  std::vector<Case> cases = {
      {[](JobOptions& o) { o.extract = "foo"; }, "--extract toeplitz"},
      {[](JobOptions& o) { o.extract.clear(), o.epsilon = "2^-64"; }, "--epsilon"},
      {[](JobOptions& o) { o.epsilon = "2^+3"; }, "epsilon"},
      {[](JobOptions& o) { o.epsilon = "1.5"; }, "epsilon"},
      {[](JobOptions& o) { o.health.min_entropy = 0.05; }, "yields no output"},
      {[](JobOptions& o) { o.health.min_entropy = 9; }, "outside (0, 8]"},
      {[](JobOptions& o) { o.min_entropy_given = false; }, "needs --min-entropy"},
      {[](JobOptions& o) { o.extract_block_bits = 1000; }, "multiple of 64"},
      {[](JobOptions& o) { o.extract.clear(), o.extract_block_bits = 8192; },
       "--extract-block-bits"},
      {[](JobOptions& o) { o.source = "random"; }, "getrandom"},
      {[](JobOptions& o) { o.source = "drbg"; }, "CSPRNG"},
      {[](JobOptions& o) { o.source = "drbg", o.extract.clear(), o.mix = true; }, "--mix"},
      {[](JobOptions& o) { o.source.clear(), o.extract.clear(), o.mix = true; }, "--mix"},
      {[](JobOptions& o) { o.assess_bytes_given = true; }, "--assess"},
      {[](JobOptions& o) { o.assess = true, o.assess_bytes = 100; }, "--assess-bytes"},
  };
  for (const Case& c : cases) {
    JobOptions o = Extracting(1 << 20, dir_.File("in"));
    c.change(o);
    JobOutcome out = Run(o);
    EXPECT_EQ(out.exit_code, kExitUsage) << c.expect;
    EXPECT_NE(out.status.message().find(c.expect), std::string::npos)
        << "want '" << c.expect << "' in: " << out.status.message();
    ExpectNothingCreated();
  }
}

TEST_F(ExtractTest, ResumeWithDifferentPostProcessingIsRefused) {
  WriteAll(dir_.File("in"), testing::BiasedBytes(8 << 20, 6));
  JobHooks hooks;
  hooks.observer = [this](uint64_t chunk, std::span<const uint8_t>) {
    if (chunk == 2) cancel_ = true;
  };
  ASSERT_EQ(Run(Extracting(8 * kChunk, dir_.File("in")), hooks).exit_code, kExitInterrupted);
  cancel_ = false;
  const std::vector<uint8_t> manifest_before = ReadAll(dir_.File("a.manifest"));

  JobOptions o = Extracting(8 * kChunk, dir_.File("in"));
  o.resume = true;
  o.health.min_entropy = 0.9;
  JobOutcome out = Run(o);
  EXPECT_EQ(out.exit_code, kExitUsage);
  EXPECT_NE(out.status.message().find("resume with --min-entropy 1 --epsilon 2^-64"),
            std::string::npos)
      << out.status.message();

  o = Extracting(8 * kChunk, dir_.File("in"));
  o.resume = true;
  o.epsilon = "2^-80";
  EXPECT_EQ(Run(o).exit_code, kExitUsage);

  o = Extracting(8 * kChunk, dir_.File("in"));
  o.resume = true;
  o.extract.clear();
  o.min_entropy_given = false;
  out = Run(o);
  EXPECT_EQ(out.exit_code, kExitUsage);
  EXPECT_NE(out.status.message().find("generated with --extract toeplitz --min-entropy 1"),
            std::string::npos)
      << out.status.message();

  o = Extracting(8 * kChunk, dir_.File("in"));
  o.resume = true;
  o.mix = true;
  out = Run(o);
  EXPECT_EQ(out.exit_code, kExitUsage);
  EXPECT_NE(out.status.message().find("without --mix"), std::string::npos) << out.status.message();
  EXPECT_EQ(ReadAll(dir_.File("a.manifest")), manifest_before);  // nothing was touched

  // And a mixed pad must be resumed with --mix.
  std::filesystem::remove_all(dir_.File("m"));
  o = Extracting(8 * kChunk, dir_.File("in"));
  o.outputs = {dir_.File("m")};
  o.extract.clear();
  o.min_entropy_given = false;
  o.mix = true;
  ASSERT_EQ(Run(o, hooks).exit_code, kExitInterrupted);
  cancel_ = false;
  o.resume = true;
  o.mix = false;
  out = Run(o);
  EXPECT_EQ(out.exit_code, kExitUsage);
  EXPECT_NE(out.status.message().find("resume it with --mix"), std::string::npos)
      << out.status.message();
  o.mix = true;
  EXPECT_EQ(Run(o).exit_code, kExitOk);
}

TEST_F(ExtractTest, AssessOnAConstantFileWarnsWithoutExtraction) {
  WriteAll(dir_.File("const"), std::vector<uint8_t>(4 << 20, 0x5A));
  JobOptions o = Extracting(1 << 20, dir_.File("const"));
  o.extract.clear();
  o.assess = true;
  o.health.min_entropy = 1.0;  // min_entropy_given stays true
  JobOutcome out = Run(o);
  ASSERT_EQ(out.exit_code, kExitOk) << out.status.ToString();
  ASSERT_TRUE(out.summary.contains("assessment"));
  const nlohmann::json& a = out.summary["assessment"];
  EXPECT_LT(a["suggested_min_entropy"].get<double>(), 0.01);
  EXPECT_FALSE(a["sample_consumed"].get<bool>());
  EXPECT_NE(a["warning"].get<std::string>().find("--min-entropy 1"), std::string::npos);
  EXPECT_NE(messages_.find("warning: --min-entropy 1"), std::string::npos) << messages_;
  EXPECT_NE(messages_.find("entropy report"), std::string::npos) << messages_;
}

TEST_F(ExtractTest, AssessRefusesAnOverstatedMinEntropyWithExtraction) {
  WriteAll(dir_.File("const"), std::vector<uint8_t>(4 << 20, 0x5A));
  JobOptions o = Extracting(1 << 20, dir_.File("const"));
  o.assess = true;
  JobOutcome out = Run(o);
  EXPECT_EQ(out.exit_code, kExitUsage);
  EXPECT_NE(out.status.message().find("voids the extractor's guarantee"), std::string::npos)
      << out.status.message();
  ExpectNothingCreated();
}

TEST_F(ExtractTest, AssessAcceptsAnHonestMinEntropyAndFileSampleIsNotConsumed) {
  // p(1) = 0.9: the true min-entropy is 8 * -log2(0.9) = 1.216 bits/byte; claim 1.0.
  std::vector<uint8_t> input = testing::BiasedBytes(8 << 20, 7);
  WriteAll(dir_.File("in"), input);
  JobOptions o = Extracting(2 * kChunk, dir_.File("in"));
  o.assess = true;
  JobOutcome out = Run(o);
  ASSERT_EQ(out.exit_code, kExitOk) << out.status.ToString() << messages_;
  const nlohmann::json& a = out.summary["assessment"];
  EXPECT_GT(a["suggested_min_entropy"].get<double>(), 1.0);
  EXPECT_FALSE(a.contains("warning"));
  std::optional<ExtensionEntry> rec =
      FindExtensionEntry(Extension(dir_.File("a.manifest")), kTagToeplitz);
  ASSERT_TRUE(rec.has_value());
  // The sample was read, not consumed: the pad still starts at the file's first byte.
  EXPECT_EQ(ReadAll(dir_.File("a")), ExpectedPad(rec->value, input, 2 * kChunk, kChunk));
}

// Hooks that make the job read `data` as the health-tested HRNG "/dev/fake-hwrng"
// (min-entropy 1 bit per byte, so biased test data passes the health tests).
JobHooks FakeHrng(std::shared_ptr<std::vector<uint8_t>> data) {
  JobHooks hooks;
  hooks.make_source = [data]() -> Result<std::unique_ptr<PadSource>> {
    std::vector<std::unique_ptr<ByteStream>> streams;
    streams.push_back(std::make_unique<testing::ScriptedStream>("/dev/fake-hwrng", *data));
    StreamSourceOptions so;
    so.kind = "hrng";
    so.health_tests = true;
    so.health.min_entropy = 1.0;
    so.block_size = 4096;
    return std::unique_ptr<PadSource>(new StreamSource(std::move(streams), so));
  };
  return hooks;
}

TEST_F(ExtractTest, ExtractionWorksOnAnHrngSource) {
  auto data = std::make_shared<std::vector<uint8_t>>(testing::BiasedBytes(6 << 20, 8));
  JobHooks hooks = FakeHrng(data);
  JobOptions o = Extracting(4 * kChunk + 100, "unused");
  o.source.clear();
  o.hrngs = {"/dev/fake-hwrng"};
  JobOutcome out = Run(o, hooks);
  ASSERT_EQ(out.exit_code, kExitOk) << out.status.ToString() << messages_;
  EXPECT_EQ(ReadAll(dir_.File("a")).size(), 4 * kChunk + 100);
  std::vector<ExtensionEntry> ext = Extension(dir_.File("a.manifest"));
  EXPECT_TRUE(FindExtensionEntry(ext, kTagToeplitz).has_value());
  const uint64_t accepted = out.summary["sources"][0]["bytes_accepted"].get<uint64_t>();
  EXPECT_GE(accepted, out.summary["source_bytes_needed"].get<uint64_t>());
  EXPECT_EQ(out.summary["source_bytes_needed"].get<uint64_t>(), (4 * 1366 + 3) * 512u);
}

TEST_F(ExtractTest, JsonRatesLeaveOutTheAssessSample) {
  constexpr uint64_t kSample = 1 << 20;
  auto data = std::make_shared<std::vector<uint8_t>>(testing::BiasedBytes(8 << 20, 9));
  JobHooks hooks = FakeHrng(data);
  JobOptions o = Extracting(2 * kChunk, "unused");
  o.source.clear();
  o.hrngs = {"/dev/fake-hwrng"};
  o.assess = true;
  o.assess_bytes = kSample;
  JobOutcome out = Run(o, hooks);
  ASSERT_EQ(out.exit_code, kExitOk) << out.status.ToString() << messages_;
  EXPECT_TRUE(out.summary["assessment"]["sample_consumed"].get<bool>());
  const nlohmann::json& src = out.summary["sources"][0];
  const uint64_t accepted = src["bytes_accepted"].get<uint64_t>();
  const uint64_t before = src["bytes_accepted_before_generation"].get<uint64_t>();
  const uint64_t needed = out.summary["source_bytes_needed"].get<uint64_t>();
  EXPECT_GE(before, kSample) << "the sample was read from the device before generation";
  EXPECT_GE(accepted - before, needed);
  const double seconds = out.summary["generate_seconds"].get<double>();
  ASSERT_GT(seconds, 0);
  EXPECT_DOUBLE_EQ(src["rate_bytes_per_second"].get<double>(),
                   static_cast<double>(accepted - before) / seconds);
}

}  // namespace
}  // namespace otc::padgen
