// Test helper: a deterministic, fast, heavily biased byte source with a known min-entropy.
//
// Each byte is drawn independently from the distribution of 8 independent bits that are 1
// with probability p_one (e.g. 0.9), quantized to multiples of 2^-16 and sampled with a
// 16-bit draw from xoshiro256** through a 65536-entry table. The exact per-byte
// min-entropy of the quantized distribution is known (MinEntropyPerByte), so tests can
// configure the extractor below it. Not cryptographic: seeds are for reproducibility.
#pragma once

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstdint>
#include <span>
#include <vector>

namespace otc::padgen::testing {

class BiasedByteSource {
 public:
  BiasedByteSource(double p_one, uint64_t seed) : table_(65536) {
    // Cumulative distribution over byte values, cut at multiples of 2^-16.
    double cdf = 0;
    size_t start = 0;
    for (int b = 0; b < 256; ++b) {
      const int ones = std::popcount(static_cast<unsigned>(b));
      cdf += std::pow(p_one, ones) * std::pow(1 - p_one, 8 - ones);
      size_t end = b == 255 ? 65536 : static_cast<size_t>(std::llround(cdf * 65536));
      end = std::clamp(end, start, size_t{65536});
      for (size_t i = start; i < end; ++i) table_[i] = static_cast<uint8_t>(b);
      weights_[b] = end - start;
      start = end;
    }
    uint64_t z = seed;
    for (auto& s : state_) s = SplitMix(z);
  }

  void Fill(std::span<uint8_t> out) {
    size_t i = 0;
    while (i < out.size()) {
      uint64_t r = Next();
      for (int k = 0; k < 4 && i < out.size(); ++k, ++i, r >>= 16) out[i] = table_[r & 0xffff];
    }
  }

  // -log2 of the most likely byte's probability (exact for the quantized table).
  double MinEntropyPerByte() const {
    const size_t max = *std::max_element(weights_.begin(), weights_.end());
    return -std::log2(static_cast<double>(max) / 65536);
  }
  // Probability of byte value b.
  double Probability(int b) const { return static_cast<double>(weights_[b]) / 65536; }

 private:
  static uint64_t SplitMix(uint64_t& x) {
    uint64_t z = (x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  uint64_t Next() {  // xoshiro256**
    const uint64_t result = std::rotl(state_[1] * 5, 7) * 9;
    const uint64_t t = state_[1] << 17;
    state_[2] ^= state_[0];
    state_[3] ^= state_[1];
    state_[1] ^= state_[2];
    state_[0] ^= state_[3];
    state_[2] ^= t;
    state_[3] = std::rotl(state_[3], 45);
    return result;
  }

  std::vector<uint8_t> table_;
  std::array<size_t, 256> weights_{};
  std::array<uint64_t, 4> state_{};
};

// `n` bytes whose bits are 1 with probability 0.9, from `seed`.
inline std::vector<uint8_t> BiasedBytes(size_t n, uint64_t seed) {
  BiasedByteSource src(0.9, seed);
  std::vector<uint8_t> v(n);
  src.Fill(v);
  return v;
}

}  // namespace otc::padgen::testing
