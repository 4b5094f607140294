#include "padgen/randomness/entropy_estimate.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "tests/randomness/biased_source.h"

namespace otc::padgen {
namespace {

constexpr size_t kSample = size_t{1} << 20;
constexpr double kZ90B = 2.5758293035489004;  // SP 800-90B's 99% bound
constexpr double kSlack = 6;                  // sampling noise allowance, in standard deviations

// Closed form for even degrees of freedom: Q(x; 2k) = e^{-x/2} sum_{i<k} (x/2)^i / i!.
double ChiSquareSurvivalEvenDof(double x, int dof) {
  const double y = x / 2;
  double sum = 0;
  for (int i = 0; i < dof / 2; ++i) sum += std::exp(i * std::log(y) - y - std::lgamma(i + 1.0));
  return sum;
}

TEST(ChiSquareSurvivalTest, MatchesClosedFormForEvenDof) {
  for (int dof : {2, 10, 64, 256}) {
    for (double x : {0.5, 1.0, dof * 0.5, dof * 1.0, dof * 1.3, dof * 2.0 + 5}) {
      const double expected = ChiSquareSurvivalEvenDof(x, dof);
      EXPECT_NEAR(ChiSquareSurvival(x, dof), expected, 1e-9 + 1e-9 * expected)
          << "dof " << dof << " x " << x;
    }
  }
  EXPECT_EQ(ChiSquareSurvival(0, 255), 1.0);
}

std::vector<uint8_t> GoodRandom(size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<uint8_t> v(n);
  for (size_t i = 0; i < n; i += 8) {
    uint64_t r = rng();
    for (size_t k = 0; k < 8 && i + k < n; ++k) v[i + k] = static_cast<uint8_t>(r >> (8 * k));
  }
  return v;
}

TEST(EntropyReportTest, GoodRandomInputPassesWithHighMinEntropy) {
  std::vector<uint8_t> data = GoodRandom(kSample, 424242);
  EntropyReport r = AssessEntropy(data);
  const double n = static_cast<double>(kSample);
  EXPECT_EQ(r.bytes, kSample);
  EXPECT_EQ(r.verdict, EntropyVerdict::kUniform) << FormatEntropyReport(r);
  EXPECT_TRUE(r.chi_square_ok && r.mean_ok && r.serial_correlation_ok && r.monte_carlo_pi_ok);

  // MCV: the most common byte's frequency is at most 1/256 + kSlack sd, plus 90B's bound.
  const double p = 1.0 / 256, sd_p = std::sqrt(p * (1 - p) / n);
  EXPECT_GE(r.mcv_min_entropy, -std::log2(p + (kSlack + kZ90B) * sd_p));
  EXPECT_LE(r.mcv_min_entropy, 8.0);
  // Collision: E[t] = 2.5, sd(t) = 0.5, v >= 8n/3 collisions.
  const double v_min = 8 * n / 3;
  const double x_low = 2.5 - (kSlack + kZ90B) * 0.5 / std::sqrt(v_min);
  EXPECT_GE(r.collision_min_entropy, -8 * std::log2(0.5 + std::sqrt(1.25 - 0.5 * x_low)));
  EXPECT_LE(r.collision_min_entropy, 8.0);
  // Markov: every estimated probability within kSlack sd of 1/2 (about 4n transitions each).
  const double p_max = 0.5 + kSlack * 0.5 / std::sqrt(4 * n);
  EXPECT_GE(r.markov_min_entropy, -8 * std::log2(p_max));
  EXPECT_LE(r.markov_min_entropy, 8.0);
  EXPECT_DOUBLE_EQ(r.suggested_min_entropy,
                   std::min({r.mcv_min_entropy, r.collision_min_entropy, r.markov_min_entropy}));
  EXPECT_GT(r.suggested_min_entropy, 7.0);
}

TEST(EntropyReportTest, ConstantInputFailsWithZeroMinEntropy) {
  std::vector<uint8_t> data(kSample, 0x41);
  EntropyReport r = AssessEntropy(data);
  EXPECT_EQ(r.verdict, EntropyVerdict::kNonUniform);
  EXPECT_FALSE(r.chi_square_ok);
  EXPECT_FALSE(r.mean_ok);
  EXPECT_DOUBLE_EQ(r.mean, 0x41);
  EXPECT_TRUE(std::isnan(r.serial_correlation));
  EXPECT_FALSE(r.serial_correlation_ok);
  EXPECT_EQ(r.shannon_entropy, 0.0);
  EXPECT_DOUBLE_EQ(r.chi_square, 255.0 * kSample);  // all mass in one of 256 bins
  EXPECT_EQ(r.mcv_min_entropy, 0.0);
  EXPECT_EQ(r.suggested_min_entropy, 0.0);
}

TEST(EntropyReportTest, AlternatingPatternFails) {
  std::vector<uint8_t> data(kSample);
  for (size_t i = 0; i < data.size(); ++i) data[i] = (i % 2) ? 0xff : 0x00;
  EntropyReport r = AssessEntropy(data);
  const double n = static_cast<double>(kSample);
  EXPECT_EQ(r.verdict, EntropyVerdict::kNonUniform);
  EXPECT_FALSE(r.chi_square_ok);
  EXPECT_NEAR(r.serial_correlation, -1.0, 1e-12);
  EXPECT_FALSE(r.serial_correlation_ok);
  EXPECT_DOUBLE_EQ(r.shannon_entropy, 1.0);
  EXPECT_NEAR(r.mcv_min_entropy, -std::log2(0.5 + kZ90B * std::sqrt(0.25 / (n - 1))), 1e-12);
  // Bit pairs never straddle a byte, so every collision comes after 2 bits: p = 1.
  EXPECT_EQ(r.collision_min_entropy, 0.0);
  // Transitions: P00 = P11 = 7/8; the likeliest 128-bit run is 0...0 with 0.5 * (7/8)^127.
  EXPECT_NEAR(r.markov_min_entropy, 8 * (1 + 127 * std::log2(8.0 / 7)) / 128, 1e-4);
  EXPECT_EQ(r.suggested_min_entropy, 0.0);
}

TEST(EntropyReportTest, BiasedInputEstimatesItsTrueMinEntropy) {
  testing::BiasedByteSource source(0.9, 777);
  std::vector<uint8_t> data(kSample);
  source.Fill(data);
  EntropyReport r = AssessEntropy(data);
  const double n = static_cast<double>(kSample);
  EXPECT_EQ(r.verdict, EntropyVerdict::kNonUniform);
  EXPECT_FALSE(r.chi_square_ok);
  EXPECT_FALSE(r.mean_ok);

  // MCV: the likeliest byte is 0xff with probability p.
  const double p = source.Probability(0xff), sd_p = std::sqrt(p * (1 - p) / n);
  EXPECT_GE(r.mcv_min_entropy, -std::log2(p + (kSlack + kZ90B) * sd_p));
  EXPECT_LE(r.mcv_min_entropy, -std::log2(p - kSlack * sd_p));

  // Bit-level truth from the byte distribution: P(bit = 1), and transition probabilities
  // (7 pairs inside a byte; 1 across bytes, whose bits are independent).
  double q1 = 0, inside[2][2] = {};
  double first1 = 0, last1 = 0;
  for (int b = 0; b < 256; ++b) {
    const double pb = source.Probability(b);
    q1 += pb * std::popcount(static_cast<unsigned>(b)) / 8;
    first1 += pb * (b >> 7);
    last1 += pb * (b & 1);
    for (int i = 0; i < 7; ++i) inside[(b >> (7 - i)) & 1][(b >> (6 - i)) & 1] += pb;
  }
  double trans[2][2];
  for (int a = 0; a < 2; ++a) {
    const double last_a = a ? last1 : 1 - last1;
    const double cross[2] = {last_a * (1 - first1), last_a * first1};
    const double total = inside[a][0] + inside[a][1] + cross[0] + cross[1];
    for (int c = 0; c < 2; ++c) trans[a][c] = (inside[a][c] + cross[c]) / total;
  }
  // Markov: the likeliest 128-bit sequence is all ones.
  const double markov_true = -8 * (std::log2(q1) + 127 * std::log2(trans[1][1])) / 128;
  const double sd_p11 = std::sqrt(trans[1][1] * (1 - trans[1][1]) / (8 * n * q1));
  const double markov_slack = 8 * kSlack * sd_p11 / (trans[1][1] * std::log(2.0));
  EXPECT_NEAR(r.markov_min_entropy, markov_true, markov_slack);

  // Collision: t = 2 with probability about q1^2 + q0^2; E[t] = 3 - that.
  const double same = q1 * q1 + (1 - q1) * (1 - q1);
  const double mean_t = 3 - same, sd_t = std::sqrt(same * (1 - same));
  const double v = 8 * n / mean_t;
  auto h_of = [](double x) { return -8 * std::log2(0.5 + std::sqrt(1.25 - 0.5 * x)); };
  // Adjacent bits inside a byte are not exactly independent after quantization; allow the
  // bias of the pair probability it causes (|trans - q| is tiny) on top of sampling noise.
  const double pair_bias = std::fabs(trans[1][1] - q1) + std::fabs(trans[0][0] - (1 - q1));
  EXPECT_GE(r.collision_min_entropy,
            h_of(mean_t - (kSlack + kZ90B) * sd_t / std::sqrt(v) - pair_bias));
  EXPECT_LE(r.collision_min_entropy,
            h_of(mean_t + (kSlack - kZ90B) * sd_t / std::sqrt(v) + pair_bias));

  // The suggestion does not exceed the true min-entropy by more than sampling noise.
  EXPECT_LE(r.suggested_min_entropy, source.MinEntropyPerByte() + markov_slack);
  EXPECT_GT(r.suggested_min_entropy, 0.5 * source.MinEntropyPerByte());
}

TEST(EntropyReportTest, SmallSamplesAreInsufficient) {
  std::vector<uint8_t> data = GoodRandom(kMinAssessBytes - 1, 3);
  EXPECT_EQ(AssessEntropy(data).verdict, EntropyVerdict::kInsufficientData);
  EntropyReport empty = AssessEntropy({});
  EXPECT_EQ(empty.bytes, 0u);
  EXPECT_EQ(empty.verdict, EntropyVerdict::kInsufficientData);
  EXPECT_EQ(empty.suggested_min_entropy, 0.0);
}

TEST(EntropyReportTest, StreamingEqualsOneShot) {
  std::vector<uint8_t> data = GoodRandom(100003, 11);
  EntropyAccumulator acc;
  size_t pos = 0;
  for (size_t step = 1; pos < data.size(); step = step * 3 + 1) {  // odd piece sizes
    size_t len = std::min(step, data.size() - pos);
    acc.Add(std::span(data).subspan(pos, len));
    pos += len;
  }
  EntropyReport a = acc.Finish(), b = AssessEntropy(data);
  EXPECT_EQ(a.chi_square, b.chi_square);
  EXPECT_EQ(a.serial_correlation, b.serial_correlation);
  EXPECT_EQ(a.monte_carlo_pi, b.monte_carlo_pi);
  EXPECT_EQ(a.collision_min_entropy, b.collision_min_entropy);
  EXPECT_EQ(a.markov_min_entropy, b.markov_min_entropy);
  EXPECT_EQ(a.mcv_min_entropy, b.mcv_min_entropy);
}

// The ent statistics agree with Debian's `ent` on the same file.
TEST(EntropyReportTest, AgreesWithEnt) {
  if (std::system("command -v ent >/dev/null 2>&1") != 0) GTEST_SKIP() << "ent not installed";
  testing::BiasedByteSource source(0.7, 5);
  std::vector<uint8_t> biased(300001);
  source.Fill(biased);
  for (const std::vector<uint8_t>& data : {GoodRandom(500000, 9), biased}) {
    const std::string path = ::testing::TempDir() + "/entropy_vs_ent.bin";
    {
      std::ofstream f(path, std::ios::binary);
      f.write(reinterpret_cast<const char*>(data.data()),
              static_cast<std::streamsize>(data.size()));
    }
    FILE* pipe = popen(("ent -t " + path).c_str(), "r");
    ASSERT_NE(pipe, nullptr);
    char header[256], line[256];
    ASSERT_NE(fgets(header, sizeof header, pipe), nullptr);
    ASSERT_NE(fgets(line, sizeof line, pipe), nullptr);
    pclose(pipe);
    std::remove(path.c_str());
    long long bytes = 0;
    double entropy, chi, mean, pi, scc;
    ASSERT_EQ(
        std::sscanf(line, "1,%lld,%lf,%lf,%lf,%lf,%lf", &bytes, &entropy, &chi, &mean, &pi, &scc),
        6)
        << line;
    EntropyReport r = AssessEntropy(data);
    EXPECT_EQ(static_cast<long long>(r.bytes), bytes);
    EXPECT_NEAR(r.shannon_entropy, entropy, 1e-6);
    EXPECT_NEAR(r.chi_square, chi, 1e-6 * std::max(1.0, chi));
    EXPECT_NEAR(r.mean, mean, 1e-6);
    EXPECT_NEAR(r.monte_carlo_pi, pi, 1e-6);
    EXPECT_NEAR(r.serial_correlation, scc, 1e-6);
  }
}

TEST(EntropyReportTest, WarnsWhenConfiguredMinEntropyIsTooHigh) {
  EntropyReport r;
  r.bytes = 1000;
  r.suggested_min_entropy = 6.5;
  EXPECT_FALSE(MinEntropyWarning(6.5, r).has_value());
  EXPECT_FALSE(MinEntropyWarning(2, r).has_value());
  auto w = MinEntropyWarning(7, r);
  ASSERT_TRUE(w.has_value());
  EXPECT_NE(w->find("--min-entropy 7"), std::string::npos) << *w;
  EXPECT_NE(w->find("6.5"), std::string::npos) << *w;
}

TEST(EntropyReportTest, JsonHasEveryField) {
  EntropyReport r = AssessEntropy(std::vector<uint8_t>(4000, 7));
  const std::string j = EntropyReportJson(r);
  for (const char* key : {"\"bytes\":4000", "\"serial_correlation\":null", "\"chi_square_p\"",
                          "\"most_common_value\"", "\"collision\"", "\"markov\"",
                          "\"suggested_min_entropy\"", "\"verdict\":\"non-uniform\""}) {
    EXPECT_NE(j.find(key), std::string::npos) << key << " in " << j;
  }
}

}  // namespace
}  // namespace otc::padgen
