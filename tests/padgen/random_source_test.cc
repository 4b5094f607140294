// RandomSource with both generators (getrandom and OpenSSL's CTR_DRBG), and a whole run
// with --source drbg.
#include "padgen/random_source.h"

#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <cstdio>
#include <vector>

#include "padgen/job.h"
#include "test_util.h"

namespace otc::padgen {
namespace {

using namespace testing;  // tests/padgen/test_util.h

// Chi-square statistic of the byte histogram against the uniform distribution.
double ChiSquare(const std::vector<uint8_t>& data) {
  std::array<double, 256> counts{};
  for (uint8_t b : data) counts[b] += 1;
  const double expected = static_cast<double>(data.size()) / 256;
  double chi = 0;
  for (double c : counts) chi += (c - expected) * (c - expected) / expected;
  return chi;
}

class RandomSourceTest : public ::testing::TestWithParam<RandomGenerator> {};

TEST_P(RandomSourceTest, FillsLookUniformAndNeverRepeat) {
  RandomSource source(2, GetParam());
  ASSERT_TRUE(source.Start().ok());
  std::vector<uint8_t> a(1 << 20), b(1 << 20);
  ASSERT_TRUE(source.Fill(a).ok());
  ASSERT_TRUE(source.Fill(b).ok());
  EXPECT_NE(a, b);
  // 255 degrees of freedom: P(chi2 > 400) is about 1e-8 for uniform bytes; a constant,
  // zeroed or half-filled buffer gives millions.
  EXPECT_LT(ChiSquare(a), 400.0);
  EXPECT_LT(ChiSquare(b), 400.0);
  EXPECT_EQ(source.Stats().at(0).bytes_read, 2u << 20);
  EXPECT_GT(source.MeasureRate(std::chrono::milliseconds(50)), 0.0);
}

TEST_P(RandomSourceTest, StoppedSourceFails) {
  RandomSource source(1, GetParam());
  source.Stop();
  std::vector<uint8_t> a(4096);
  EXPECT_FALSE(source.Fill(a).ok());
}

INSTANTIATE_TEST_SUITE_P(Generators, RandomSourceTest,
                         ::testing::Values(RandomGenerator::kGetrandom, RandomGenerator::kDrbg),
                         [](const ::testing::TestParamInfo<RandomGenerator>& info) {
                           return info.param == RandomGenerator::kDrbg ? std::string("Drbg")
                                                                       : std::string("Getrandom");
                         });

TEST(RandomSourceDescribe, NamesTheGenerator) {
  EXPECT_NE(RandomSource(2, RandomGenerator::kDrbg).Describe().find("CTR_DRBG"), std::string::npos);
  EXPECT_NE(RandomSource(2, RandomGenerator::kGetrandom).Describe().find("getrandom"),
            std::string::npos);
}

TEST(DrbgJob, WritesIdenticalVerifiedCopiesAndSaysWhereTheBytesCameFrom) {
  TestDir dir;
  const uint64_t size = (3 << 20) + 777;
  JobOptions o;
  o.size = size;
  o.chunk_size = 1 << 20;
  o.source = "drbg";
  o.outputs = {dir.File("a"), dir.File("b")};
  std::atomic<bool> cancel{false};
  std::string messages;
  JobOutcome out = testing::RunJobCapturing(o, {}, cancel, &messages);
  ASSERT_EQ(out.exit_code, kExitOk) << out.status.ToString();
  std::vector<uint8_t> a = ReadAll(dir.File("a"));
  ASSERT_EQ(a.size(), size);
  EXPECT_EQ(ReadAll(dir.File("b")), a);
  EXPECT_LT(ChiSquare(a), 400.0);
  for (const char* name : {"a", "b"}) {
    auto c = CheckManifest(dir.File(std::string(name) + ".manifest"), dir.File(name));
    EXPECT_TRUE(c.complete && c.digests_match) << name;
  }
  EXPECT_TRUE(out.summary["verified"].get<bool>());
  EXPECT_EQ(out.summary["sources"][0]["name"], "drbg");
  EXPECT_NE(messages.find("CTR_DRBG"), std::string::npos) << messages;
}

TEST(DrbgJob, UnknownSourceNamesTheChoices) {
  TestDir dir;
  JobOptions o;
  o.size = 1 << 20;
  o.source = "urandom";
  o.outputs = {dir.File("a")};
  Status s = ValidateJobOptions(o);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("drbg"), std::string::npos) << s.message();
}

}  // namespace
}  // namespace otc::padgen
