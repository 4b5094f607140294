#include "padgen/randomness/toeplitz.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "padgen/randomness/manifest_extension.h"
#include "padstore/manifest.h"
#include "tests/randomness/biased_source.h"

namespace otc::padgen {
namespace {

std::vector<uint8_t> RandomBytes(std::mt19937_64& rng, size_t n) {
  std::vector<uint8_t> v(n);
  for (auto& b : v) b = static_cast<uint8_t>(rng());
  return v;
}

int GetBit(std::span<const uint8_t> v, size_t i) { return (v[i / 8] >> (i % 8)) & 1; }

// The definition, bit by bit: y_i = XOR_j s[i - j + n - 1] & x_j.
std::vector<uint8_t> NaiveToeplitz(std::span<const uint8_t> seed, std::span<const uint8_t> x,
                                   size_t n, size_t m) {
  std::vector<uint8_t> y(m / 8, 0);
  for (size_t i = 0; i < m; ++i) {
    int bit = 0;
    for (size_t j = 0; j < n; ++j) bit ^= GetBit(seed, i + n - 1 - j) & GetBit(x, j);
    y[i / 8] |= static_cast<uint8_t>(bit << (i % 8));
  }
  return y;
}

std::vector<uint8_t> RandomSeed(std::mt19937_64& rng, const ToeplitzParams& p) {
  std::vector<uint8_t> seed = RandomBytes(rng, p.seed_bytes());
  if (p.seed_bits() % 8) seed.back() &= static_cast<uint8_t>((1u << (p.seed_bits() % 8)) - 1);
  return seed;
}

std::vector<ToeplitzBackend> AvailableBackends() {
  std::vector<ToeplitzBackend> out;
  for (auto b : {ToeplitzBackend::kGf2x, ToeplitzBackend::kPclmul, ToeplitzBackend::kVpclmul}) {
    if (ToeplitzBackendAvailable(b)) out.push_back(b);
  }
  return out;
}

TEST(ToeplitzParamsTest, OutputLengthFollowsLeftoverHashLemma) {
  struct Case {
    uint32_t n;
    double h;
    double k;
    uint32_t m;  // floor(n*h/8) - ceil(2k), rounded down to a multiple of 8, by hand
  } cases[] = {
      {4096, 7.0, 64, 3584 - 128},           // 3456
      {4096, 8.0, 64, 4096 - 128},           // 3968
      {1024, 1.5, 64, 192 - 128},            // 64
      {4096, 1.2, 64, 480},                  // floor(614.4)=614: 614-128=486 -> 480
      {8192, 6.5, 32, 6656 - 64},            // 6592
      {4096, 7.0, -std::log2(1e-20), 3448},  // ceil(132.88)=133: 3584-133=3451 -> 3448
      {64, 8.0, 1, 56},                      // 64-2 = 62 -> 56
  };
  for (const Case& c : cases) {
    Result<ToeplitzParams> p = DeriveToeplitzParams(c.n, c.h, c.k);
    ASSERT_TRUE(p.ok()) << c.n << " " << c.h << ": " << p.status().ToString();
    EXPECT_EQ(p->output_bits, c.m) << c.n << " " << c.h << " " << c.k;
    EXPECT_EQ(p->seed_bits(), c.n + c.m - 1);
    EXPECT_EQ(p->seed_bytes(), (c.n + c.m - 1 + 7) / 8);
    EXPECT_EQ(p->input_block_bytes(), c.n / 8);
    EXPECT_EQ(p->output_block_bytes(), c.m / 8);
  }
}

TEST(ToeplitzParamsTest, RejectsBadParameters) {
  struct Bad {
    uint32_t n;
    double h;
    double k;
    const char* needle;
  } bad[] = {
      {0, 7, 64, "block size"},
      {100, 7, 64, "multiple of 64"},
      {kMaxBlockBits + 64, 7, 64, "block size"},
      {4096, 0, 64, "min-entropy"},
      {4096, -1, 64, "min-entropy"},
      {4096, 8.01, 64, "min-entropy"},
      {4096, std::nan(""), 64, "min-entropy"},
      {4096, 7, 0, "epsilon"},
      {4096, 7, -3, "epsilon"},
      {4096, 7, std::nan(""), "epsilon"},
      {1024, 1.0, 64, "yields no output"},  // 128 - 128 = 0 bits
      {64, 8.0, 32, "yields no output"},
  };
  for (const Bad& b : bad) {
    Result<ToeplitzParams> p = DeriveToeplitzParams(b.n, b.h, b.k);
    ASSERT_FALSE(p.ok()) << b.n << " " << b.h << " " << b.k;
    EXPECT_EQ(p.status().code(), Status::Code::kInvalidArgument);
    EXPECT_NE(p.status().message().find(b.needle), std::string::npos) << p.status().message();
  }
}

TEST(ToeplitzParamsTest, ParsesEpsilon) {
  EXPECT_DOUBLE_EQ(*ParseEpsilon("2^-64"), 64);
  EXPECT_DOUBLE_EQ(*ParseEpsilon("2**-100"), 100);
  EXPECT_DOUBLE_EQ(*ParseEpsilon("0.5"), 1);
  EXPECT_NEAR(*ParseEpsilon("1e-20"), 20 * std::log2(10.0), 1e-9);
  for (const char* bad :
       {"", "2^-", "2^-0", "2^--3", "2^-x", "0", "1", "1.5", "-0.1", "abc", "1e-20x"}) {
    Result<double> r = ParseEpsilon(bad);
    EXPECT_FALSE(r.ok()) << bad;
    if (!r.ok()) {
      EXPECT_EQ(r.status().code(), Status::Code::kInvalidArgument);
    }
  }
}

TEST(ToeplitzExtractorTest, MatchesNaiveBitByBitReference) {
  std::mt19937_64 rng(20240501);
  // Block sizes with word counts that are odd, not multiples of 8, and multiples of 8.
  const uint32_t sizes[] = {64, 128, 192, 512, 576, 1024, 2048, 4096};
  const double entropies[] = {8.0, 5.5, 2.25};
  for (uint32_t n : sizes) {
    for (double h : entropies) {
      Result<ToeplitzParams> p = DeriveToeplitzParams(n, h, 8);
      if (!p.ok()) continue;  // too small a block for this entropy
      std::vector<uint8_t> seed = RandomSeed(rng, *p);
      for (int trial = 0; trial < 3; ++trial) {
        std::vector<uint8_t> x = RandomBytes(rng, p->input_block_bytes());
        std::vector<uint8_t> expected = NaiveToeplitz(seed, x, n, p->output_bits);
        for (ToeplitzBackend backend : AvailableBackends()) {
          Result<ToeplitzExtractor> ex = ToeplitzExtractor::FromSeed(*p, seed, backend);
          ASSERT_TRUE(ex.ok()) << ex.status().ToString();
          std::vector<uint8_t> out(p->output_block_bytes());
          ASSERT_TRUE(ex->Extract(x, out).ok());
          EXPECT_EQ(out, expected)
              << "n=" << n << " H=" << h << " backend " << ToeplitzBackendName(backend);
        }
      }
    }
  }
}

TEST(ToeplitzExtractorTest, SingleBitInputsSelectMatrixColumns) {
  // x = e_j picks column j of T: y_i = s[i - j + n - 1]. Checked for every j of a small block.
  std::mt19937_64 rng(7);
  Result<ToeplitzParams> p = DeriveToeplitzParams(256, 8.0, 4);
  ASSERT_TRUE(p.ok());
  std::vector<uint8_t> seed = RandomSeed(rng, *p);
  for (ToeplitzBackend backend : AvailableBackends()) {
    Result<ToeplitzExtractor> ex = ToeplitzExtractor::FromSeed(*p, seed, backend);
    ASSERT_TRUE(ex.ok());
    for (size_t j = 0; j < p->block_bits; ++j) {
      std::vector<uint8_t> x(p->input_block_bytes(), 0);
      x[j / 8] = static_cast<uint8_t>(1u << (j % 8));
      std::vector<uint8_t> out(p->output_block_bytes());
      ASSERT_TRUE(ex->Extract(x, out).ok());
      for (size_t i = 0; i < p->output_bits; ++i) {
        ASSERT_EQ(GetBit(out, i), GetBit(seed, i + p->block_bits - 1 - j))
            << "i=" << i << " j=" << j << " " << ToeplitzBackendName(backend);
      }
    }
  }
}

TEST(ToeplitzExtractorTest, ExtractBlocksEqualsBlockByBlock) {
  std::mt19937_64 rng(99);
  Result<ToeplitzParams> p = DeriveToeplitzParams(1024, 6.0, 64);
  ASSERT_TRUE(p.ok());
  Result<ToeplitzExtractor> ex = ToeplitzExtractor::Create(*p);
  ASSERT_TRUE(ex.ok()) << ex.status().ToString();
  std::vector<uint8_t> in = RandomBytes(rng, 5 * p->input_block_bytes());
  std::vector<uint8_t> all(5 * p->output_block_bytes());
  ASSERT_TRUE(ex->ExtractBlocks(in, all).ok());
  for (size_t b = 0; b < 5; ++b) {
    std::vector<uint8_t> one(p->output_block_bytes());
    ASSERT_TRUE(
        ex->Extract(std::span(in).subspan(b * p->input_block_bytes(), p->input_block_bytes()), one)
            .ok());
    EXPECT_TRUE(std::equal(one.begin(), one.end(), all.begin() + b * one.size()));
  }
}

TEST(ToeplitzExtractorTest, RejectsWrongSizes) {
  Result<ToeplitzParams> p = DeriveToeplitzParams(512, 8.0, 64);
  ASSERT_TRUE(p.ok());
  Result<ToeplitzExtractor> ex = ToeplitzExtractor::Create(*p);
  ASSERT_TRUE(ex.ok());
  std::vector<uint8_t> in(p->input_block_bytes()), out(p->output_block_bytes());
  std::vector<uint8_t> short_in(in.size() - 1), long_out(out.size() + 1);
  EXPECT_EQ(ex->Extract(short_in, out).code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(ex->Extract(in, long_out).code(), Status::Code::kInvalidArgument);
  std::vector<uint8_t> partial(in.size() * 2 + 3), out2(out.size() * 2);
  EXPECT_EQ(ex->ExtractBlocks(partial, out2).code(), Status::Code::kInvalidArgument);
  std::vector<uint8_t> two(in.size() * 2);
  EXPECT_EQ(ex->ExtractBlocks(two, out).code(), Status::Code::kInvalidArgument);
}

TEST(ToeplitzExtractorTest, RejectsBadSeedsAndParams) {
  Result<ToeplitzParams> p = DeriveToeplitzParams(512, 7.0, 64);  // m = 320, seed 831 bits
  ASSERT_TRUE(p.ok());
  ASSERT_NE(p->seed_bits() % 8, 0u);
  std::vector<uint8_t> seed(p->seed_bytes(), 0);
  EXPECT_EQ(ToeplitzExtractor::FromSeed(*p, std::span(seed).first(seed.size() - 1)).status().code(),
            Status::Code::kInvalidArgument);
  seed.back() = 0x80;  // a bit past the seed
  EXPECT_EQ(ToeplitzExtractor::FromSeed(*p, seed).status().code(), Status::Code::kInvalidArgument);
  seed.back() = 0;
  ToeplitzParams tampered = *p;
  tampered.output_bits += 8;
  EXPECT_EQ(ToeplitzExtractor::FromSeed(tampered, seed).status().code(),
            Status::Code::kInvalidArgument);
  EXPECT_EQ(ToeplitzExtractor::Create(ToeplitzParams{}).status().code(),
            Status::Code::kInvalidArgument);
}

TEST(ToeplitzExtractorTest, CreateDrawsFreshSeeds) {
  Result<ToeplitzParams> p = DeriveToeplitzParams(512, 7.0, 64);
  ASSERT_TRUE(p.ok());
  Result<ToeplitzExtractor> a = ToeplitzExtractor::Create(*p);
  Result<ToeplitzExtractor> b = ToeplitzExtractor::Create(*p);
  ASSERT_TRUE(a.ok() && b.ok());
  ASSERT_EQ(a->seed().size(), p->seed_bytes());
  EXPECT_FALSE(std::equal(a->seed().begin(), a->seed().end(), b->seed().begin()));
  EXPECT_EQ(a->seed().back() >> (p->seed_bits() % 8), 0);
}

TEST(ToeplitzSerializationTest, RoundTripsThroughManifestExtension) {
  Result<ToeplitzParams> p = DeriveToeplitzParams(2048, 6.3, 70);
  ASSERT_TRUE(p.ok());
  Result<ToeplitzExtractor> ex = ToeplitzExtractor::Create(*p);
  ASSERT_TRUE(ex.ok());
  std::vector<uint8_t> record = ex->Serialize();
  ASSERT_EQ(record.size(), 28 + p->seed_bytes());
  EXPECT_EQ(record[0], 1);
  EXPECT_EQ(record[4] | record[5] << 8, 2048);

  // Through the real manifest file format.
  std::vector<ExtensionEntry> entries = {{kTagToeplitz, record}, {kTagGetrandomMix, {}}};
  Result<std::vector<uint8_t>> ext = EncodeExtension(entries);
  ASSERT_TRUE(ext.ok());
  padstore::Manifest m;
  m.pad_size = 100;
  m.chunk_size = 64;
  m.extension = *ext;
  m.chunks = {padstore::ChunkDigest(std::vector<uint8_t>(64, 1)),
              padstore::ChunkDigest(std::vector<uint8_t>(36, 2))};
  std::vector<uint8_t> file = padstore::SerializeManifest(m);
  std::string path = ::testing::TempDir() + "/toeplitz_manifest_roundtrip";
  std::remove(path.c_str());
  ASSERT_TRUE(WriteFileAtomically(*Env::Default(), path, file).ok());
  Result<padstore::Manifest> read = padstore::ReadManifest(*Env::Default(), path);
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  Result<std::vector<ExtensionEntry>> decoded = DecodeExtension(read->extension);
  ASSERT_TRUE(decoded.ok());
  auto toeplitz = FindExtensionEntry(*decoded, kTagToeplitz);
  ASSERT_TRUE(toeplitz.has_value());
  EXPECT_TRUE(FindExtensionEntry(*decoded, kTagGetrandomMix).has_value());

  Result<ToeplitzExtractor> back = ToeplitzExtractor::Deserialize(toeplitz->value);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->params().block_bits, p->block_bits);
  EXPECT_EQ(back->params().output_bits, p->output_bits);
  EXPECT_EQ(back->params().min_entropy_per_byte, 6.3);
  EXPECT_EQ(back->params().epsilon_log2, 70);
  EXPECT_TRUE(
      std::equal(back->seed().begin(), back->seed().end(), ex->seed().begin(), ex->seed().end()));
  std::mt19937_64 rng(5);
  std::vector<uint8_t> x = RandomBytes(rng, p->input_block_bytes());
  std::vector<uint8_t> y1(p->output_block_bytes()), y2(p->output_block_bytes());
  ASSERT_TRUE(ex->Extract(x, y1).ok());
  ASSERT_TRUE(back->Extract(x, y2).ok());
  EXPECT_EQ(y1, y2);
  std::remove(path.c_str());
}

TEST(ToeplitzSerializationTest, RejectsMalformedRecords) {
  Result<ToeplitzParams> p = DeriveToeplitzParams(512, 7.0, 64);
  ASSERT_TRUE(p.ok());
  Result<ToeplitzExtractor> ex = ToeplitzExtractor::Create(*p);
  ASSERT_TRUE(ex.ok());
  const std::vector<uint8_t> good = ex->Serialize();
  ASSERT_TRUE(ToeplitzExtractor::Deserialize(good).ok());

  auto expect = [](std::vector<uint8_t> rec, Status::Code code, const char* what) {
    Result<ToeplitzExtractor> r = ToeplitzExtractor::Deserialize(rec);
    ASSERT_FALSE(r.ok()) << what;
    EXPECT_EQ(r.status().code(), code) << what << ": " << r.status().ToString();
  };
  expect(std::vector<uint8_t>(good.begin(), good.begin() + 27), Status::Code::kCorruption,
         "truncated header");
  expect(std::vector<uint8_t>(good.begin(), good.end() - 1), Status::Code::kCorruption,
         "short seed");
  auto longer = good;
  longer.push_back(0);
  expect(longer, Status::Code::kCorruption, "trailing byte");
  auto v2 = good;
  v2[0] = 2;
  expect(v2, Status::Code::kUnsupported, "version 2");
  auto reserved = good;
  reserved[2] = 1;
  expect(reserved, Status::Code::kCorruption, "reserved byte");
  auto wrong_m = good;
  wrong_m[8] ^= 8;
  expect(wrong_m, Status::Code::kCorruption, "output_bits mismatch");
  auto bad_n = good;
  bad_n[4] = 1;  // 513 bits
  expect(bad_n, Status::Code::kCorruption, "block bits");
  auto nan_h = good;
  for (int i = 12; i < 20; ++i) nan_h[i] = 0xff;  // NaN
  expect(nan_h, Status::Code::kCorruption, "NaN min-entropy");
  auto pad_bits = good;
  pad_bits.back() |= 0x80;
  expect(pad_bits, Status::Code::kCorruption, "bits past the seed");
}

// Byte frequencies of extracted output from a 90%-ones source stay within bounds computed
// from the binomial distribution; the raw input is shown to fail the same bounds.
TEST(ToeplitzExtractorTest, BiasedInputComesOutUniform) {
  testing::BiasedByteSource source(0.9, 12345);
  const double true_h = source.MinEntropyPerByte();
  ASSERT_NEAR(true_h, -8 * std::log2(0.9), 0.01);
  const double configured_h = 1.0;  // below the truth, as an operator should choose
  ASSERT_LT(configured_h, true_h);
  Result<ToeplitzParams> p = DeriveToeplitzParams(kDefaultBlockBits, configured_h, 64);
  ASSERT_TRUE(p.ok());
  Result<ToeplitzExtractor> ex = ToeplitzExtractor::Create(*p);
  ASSERT_TRUE(ex.ok());

  const size_t out_bytes = size_t{1} << 20;
  const size_t blocks = (out_bytes + p->output_block_bytes() - 1) / p->output_block_bytes();
  std::vector<uint8_t> in(blocks * p->input_block_bytes());
  source.Fill(in);
  std::vector<uint8_t> out(blocks * p->output_block_bytes());
  ASSERT_TRUE(ex->ExtractBlocks(in, out).ok());
  out.resize(out_bytes);

  // Per-value bound: 256 two-sided binomial tests with a family-wise false alarm of 1e-6.
  const double alpha_tail = 1e-6 / (2 * 256);
  double z = 0;
  for (double lo = 0, hi = 20; hi - lo > 1e-9;) {  // solve P(Z > z) = alpha_tail
    z = (lo + hi) / 2;
    (0.5 * std::erfc(z / std::sqrt(2.0)) > alpha_tail ? lo : hi) = z;
  }
  auto within_bounds = [&](std::span<const uint8_t> data, double* chi_square) {
    std::vector<uint64_t> counts(256, 0);
    for (uint8_t b : data) ++counts[b];
    const double n = static_cast<double>(data.size()), e = n / 256;
    const double sd = std::sqrt(n * (1.0 / 256) * (255.0 / 256));
    bool ok = true;
    *chi_square = 0;
    for (uint64_t c : counts) {
      ok = ok && std::fabs(static_cast<double>(c) - e) <= z * sd;
      *chi_square += (c - e) * (c - e) / e;
    }
    return ok;
  };
  // Chi-square upper bound at 1e-6 (Wilson-Hilferty), z(1e-6) solved as above.
  double z6 = 0;
  for (double lo = 0, hi = 20; hi - lo > 1e-9;) {
    z6 = (lo + hi) / 2;
    (0.5 * std::erfc(z6 / std::sqrt(2.0)) > 1e-6 ? lo : hi) = z6;
  }
  const double k = 255;
  const double chi_bound = k * std::pow(1 - 2 / (9 * k) + z6 * std::sqrt(2 / (9 * k)), 3);

  double chi_out = 0, chi_in = 0;
  EXPECT_TRUE(within_bounds(out, &chi_out));
  EXPECT_LT(chi_out, chi_bound);
  EXPECT_FALSE(within_bounds(std::span(in).first(out_bytes), &chi_in));
  EXPECT_GT(chi_in, chi_bound);

  // Fraction of one bits: 0.5 within 6 standard deviations.
  uint64_t ones = 0;
  for (uint8_t b : out) ones += std::popcount(b);
  const double bits = 8.0 * out.size();
  EXPECT_NEAR(ones / bits, 0.5, 6 * std::sqrt(0.25 / bits));
}

}  // namespace
}  // namespace otc::padgen
