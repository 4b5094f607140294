#include "padgen/randomness/mix.h"

#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <random>
#include <vector>

namespace otc::padgen {
namespace {

TEST(XorIntoTest, MatchesByteLoopAtEveryAlignmentAndLength) {
  std::mt19937_64 rng(1);
  std::vector<uint8_t> dst_store(4096 + 128), src_store(4096 + 128);
  for (size_t len : {0, 1, 31, 32, 33, 63, 64, 65, 100, 255, 1000, 4096}) {
    for (size_t doff : {0, 1, 7, 31, 32}) {
      for (size_t soff : {0, 1, 7, 31, 32}) {
        for (auto& b : dst_store) b = static_cast<uint8_t>(rng());
        for (auto& b : src_store) b = static_cast<uint8_t>(rng());
        std::vector<uint8_t> expected_store = dst_store;
        for (size_t i = 0; i < len; ++i) expected_store[doff + i] ^= src_store[soff + i];
        ASSERT_TRUE(XorInto(std::span(dst_store).subspan(doff, len),
                            std::span<const uint8_t>(src_store).subspan(soff, len))
                        .ok());
        // Bytes outside [doff, doff+len) must be untouched, too.
        ASSERT_EQ(dst_store, expected_store) << len << " " << doff << " " << soff;
      }
    }
  }
}

TEST(XorIntoTest, RejectsLengthMismatch) {
  std::vector<uint8_t> a(10), b(11);
  Status st = XorInto(a, b);
  EXPECT_EQ(st.code(), Status::Code::kInvalidArgument);
  EXPECT_NE(st.message().find("equal lengths"), std::string::npos);
}

// data ^ Mix(data) is the getrandom stream: it must look uniform, reach every chunk, and
// differ between calls.
TEST(GetrandomMixerTest, XorsFreshRandomnessIntoEveryByte) {
  std::mt19937_64 rng(2);
  for (size_t chunk : {size_t{64}, size_t{1} << 20}) {
    GetrandomMixer mixer(chunk);
    std::vector<uint8_t> store(70003);
    for (auto& b : store) b = static_cast<uint8_t>(rng());
    std::span<uint8_t> data = std::span(store).subspan(3, 70000);  // unaligned
    std::vector<uint8_t> before(data.begin(), data.end());
    ASSERT_TRUE(mixer.Mix(data).ok());
    EXPECT_EQ(mixer.bytes_mixed(), data.size());
    std::vector<uint8_t> stream(data.size());
    for (size_t i = 0; i < data.size(); ++i) stream[i] = data[i] ^ before[i];

    uint64_t ones = 0;
    for (uint8_t b : stream) ones += std::popcount(b);
    const double bits = 8.0 * stream.size();
    EXPECT_NEAR(ones / bits, 0.5, 6 * std::sqrt(0.25 / bits));
    // No 64-byte window left unmixed (all-zero has probability 2^-512).
    for (size_t off = 0; off + 64 <= stream.size(); off += 64) {
      bool any = false;
      for (size_t i = off; i < off + 64; ++i) any = any || stream[i] != 0;
      ASSERT_TRUE(any) << "window at " << off;
    }
    // A second mix uses different randomness.
    std::vector<uint8_t> again(data.begin(), data.end());
    ASSERT_TRUE(mixer.Mix(data).ok());
    size_t same = 0;
    for (size_t i = 0; i < data.size(); ++i) same += (data[i] ^ again[i]) == stream[i];
    EXPECT_LT(same, data.size() / 100);  // ~1/256 expected
  }
}

TEST(GetrandomMixerTest, EmptyInputIsANoOp) {
  GetrandomMixer mixer;
  EXPECT_TRUE(mixer.Mix({}).ok());
  EXPECT_EQ(mixer.bytes_mixed(), 0u);
}

}  // namespace
}  // namespace otc::padgen
