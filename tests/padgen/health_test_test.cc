#include "padgen/health_test.h"

#include <gtest/gtest.h>

#include <vector>

#include "test_util.h"

namespace otc::padgen {
namespace {

using testing::PseudoRandom;

TEST(RepetitionCountCutoffTest, MatchesTheSp80090bFormula) {
  // SP 800-90B §4.4.1 worked example: H = 7.3, alpha = 2^-20 -> C = 1 + ceil(20/7.3) = 4.
  EXPECT_EQ(RepetitionCountCutoff(7.3, 20), 4u);
  EXPECT_EQ(RepetitionCountCutoff(8, 20), 4u);   // 1 + ceil(2.5)
  EXPECT_EQ(RepetitionCountCutoff(8, 40), 6u);   // the padgen default
  EXPECT_EQ(RepetitionCountCutoff(1, 20), 21u);  // 1 + 20
  EXPECT_EQ(RepetitionCountCutoff(0.5, 40), 81u);
}

TEST(AdaptiveProportionCutoffTest, MatchesThePublishedTableForAlpha2ToMinus20) {
  // SP 800-90B Table 2, non-binary sources, W = 512.
  EXPECT_EQ(AdaptiveProportionCutoff(0.5, 20, 512), 410u);
  EXPECT_EQ(AdaptiveProportionCutoff(1, 20, 512), 311u);
  EXPECT_EQ(AdaptiveProportionCutoff(2, 20, 512), 177u);
  EXPECT_EQ(AdaptiveProportionCutoff(4, 20, 512), 62u);
  EXPECT_EQ(AdaptiveProportionCutoff(8, 20, 512), 13u);
}

TEST(AdaptiveProportionCutoffTest, MatchesExactBinomialTailsForAlpha2ToMinus40) {
  // 1 + CRITBINOM(512, 2^-H, 1 - 2^-40), computed independently with exact integer
  // binomial coefficients and 60-digit decimal arithmetic (Python), not with padgen.
  EXPECT_EQ(AdaptiveProportionCutoff(0.5, 40, 512), 432u);
  EXPECT_EQ(AdaptiveProportionCutoff(1, 40, 512), 336u);
  EXPECT_EQ(AdaptiveProportionCutoff(2, 40, 512), 201u);
  EXPECT_EQ(AdaptiveProportionCutoff(4, 40, 512), 78u);
  EXPECT_EQ(AdaptiveProportionCutoff(8, 40, 512), 19u);
}

TEST(HealthTesterTest, StuckValueFailsTheRepetitionCountTestAtTheCutoff) {
  HealthTestConfig config;  // H = 8, alpha = 2^-40: C = 6
  HealthTester tester(config);
  ASSERT_EQ(tester.rct_cutoff(), 6u);
  std::vector<uint8_t> five(5, 0x41);
  EXPECT_EQ(tester.Process(five), HealthFailure::kNone);
  std::vector<uint8_t> one(1, 0x41);
  EXPECT_EQ(tester.Process(one), HealthFailure::kRepetitionCount);
}

TEST(HealthTesterTest, RunsAcrossBlockBoundariesAreCounted) {
  HealthTester tester(HealthTestConfig{});
  std::vector<uint8_t> a = {1, 2, 3, 7, 7, 7};
  std::vector<uint8_t> b = {7, 7, 7, 9};
  EXPECT_EQ(tester.Process(a), HealthFailure::kNone);
  EXPECT_EQ(tester.Process(b), HealthFailure::kRepetitionCount);
}

TEST(HealthTesterTest, BiasedSourceFailsTheAdaptiveProportionTest) {
  // Alternating 0x00 / random: never 6 equal in a row (no RCT failure), but 0x00 fills
  // half of every window, far above the APT cutoff of 19.
  HealthTester tester(HealthTestConfig{});
  std::vector<uint8_t> noise = PseudoRandom(512, 7);
  std::vector<uint8_t> block;
  for (size_t i = 0; i < 512; ++i) block.push_back(i % 2 == 0 ? 0x00 : (noise[i] | 1));
  EXPECT_EQ(tester.Process(block), HealthFailure::kAdaptiveProportion);
}

TEST(HealthTesterTest, GoodRandomDataPasses) {
  HealthTester tester(HealthTestConfig{});
  std::vector<uint8_t> data = PseudoRandom(16 << 20, 1);
  EXPECT_EQ(tester.Process(data), HealthFailure::kNone);
}

TEST(HealthTesterTest, LowerClaimedEntropyToleratesMoreRepetition) {
  HealthTestConfig config;
  config.min_entropy = 1;  // a raw, unwhitened source
  HealthTester tester(config);
  EXPECT_EQ(tester.rct_cutoff(), 41u);
  std::vector<uint8_t> run(40, 0x55);
  EXPECT_EQ(tester.Process(run), HealthFailure::kNone);
}

TEST(HealthTesterTest, TestsRestartAfterAFailure) {
  HealthTester tester(HealthTestConfig{});
  std::vector<uint8_t> stuck(6, 0xAA);
  EXPECT_EQ(tester.Process(stuck), HealthFailure::kRepetitionCount);
  std::vector<uint8_t> good = PseudoRandom(4096, 3);
  EXPECT_EQ(tester.Process(good), HealthFailure::kNone);
}

TEST(HealthMonitorTest, StopsAfterMaxFailuresWithinTheWindow) {
  HealthTestConfig config;
  config.max_failures = 3;
  config.failure_window = 1000;
  HealthMonitor m(config);
  EXPECT_FALSE(m.RecordFailure(0));
  EXPECT_FALSE(m.RecordFailure(500));
  EXPECT_TRUE(m.RecordFailure(999));
}

TEST(HealthMonitorTest, SpreadOutFailuresDoNotStop) {
  HealthTestConfig config;
  config.max_failures = 3;
  config.failure_window = 1000;
  HealthMonitor m(config);
  EXPECT_FALSE(m.RecordFailure(0));
  EXPECT_FALSE(m.RecordFailure(900));
  EXPECT_FALSE(m.RecordFailure(1900));  // the first one is out of the window
  EXPECT_FALSE(m.RecordFailure(3000));
  EXPECT_EQ(m.failures(), 4u);
}

TEST(HealthTestConfigTest, RejectsOutOfRangeSettings) {
  HealthTestConfig c;
  EXPECT_TRUE(ValidateHealthTestConfig(c).ok());
  c.min_entropy = 0;
  EXPECT_FALSE(ValidateHealthTestConfig(c).ok());
  c.min_entropy = 8.5;
  EXPECT_FALSE(ValidateHealthTestConfig(c).ok());
  c = HealthTestConfig{};
  c.alpha_exponent = 0;
  EXPECT_FALSE(ValidateHealthTestConfig(c).ok());
  c = HealthTestConfig{};
  c.max_failures = 0;
  EXPECT_FALSE(ValidateHealthTestConfig(c).ok());
}

}  // namespace
}  // namespace otc::padgen
