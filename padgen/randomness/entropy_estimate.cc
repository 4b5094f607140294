#include "padgen/randomness/entropy_estimate.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <nlohmann/json.hpp>

namespace otc::padgen {
namespace {

constexpr double kZAlpha = 2.5758293035489004;    // SP 800-90B: 99% upper confidence bound
constexpr double kZVerdict = 3.2905267314918945;  // two-sided 0.1% normal quantile
constexpr double kChiLow = 0.001, kChiHigh = 0.999;
constexpr double kPi = 3.14159265358979323846;

// Bits of a byte, most significant first, are the SP 800-90B bit string.
inline int Bit(uint8_t byte, int i) { return (byte >> (7 - i)) & 1; }

// Collision-estimate automaton. States: 0 empty, 1 "0", 2 "1", 3 "01", 4 "10".
struct CollisionStep {
  uint8_t next;
  uint8_t t2;  // collisions found after 2 samples
  uint8_t t3;  // ... after 3 samples
};

struct Tables {
  CollisionStep collision[5][256];
  uint8_t transitions[256][2][2];  // transitions inside one byte
  Tables() {
    for (int s0 = 0; s0 < 5; ++s0) {
      for (int byte = 0; byte < 256; ++byte) {
        int s = s0, t2 = 0, t3 = 0;
        for (int i = 0; i < 8; ++i) {
          const int b = Bit(static_cast<uint8_t>(byte), i);
          if (s == 0) {
            s = 1 + b;
          } else if (s <= 2) {
            if (s - 1 == b) {
              ++t2;
              s = 0;
            } else {
              s = (s == 1) ? 3 : 4;
            }
          } else {
            ++t3;
            s = 0;
          }
        }
        collision[s0][byte] = {static_cast<uint8_t>(s), static_cast<uint8_t>(t2),
                               static_cast<uint8_t>(t3)};
      }
    }
    for (int byte = 0; byte < 256; ++byte) {
      for (auto& row : transitions[byte]) row[0] = row[1] = 0;
      for (int i = 0; i + 1 < 8; ++i) {
        ++transitions[byte][Bit(static_cast<uint8_t>(byte), i)]
                     [Bit(static_cast<uint8_t>(byte), i + 1)];
      }
    }
  }
};

const Tables& GetTables() {
  static const Tables tables;
  return tables;
}

// Regularized lower incomplete gamma P(a, x) by its series (x < a + 1).
double GammaPSeries(double a, double x) {
  double sum = 1.0 / a, term = sum;
  for (int n = 1; n < 100000; ++n) {
    term *= x / (a + n);
    sum += term;
    if (std::fabs(term) < std::fabs(sum) * 1e-16) break;
  }
  return sum * std::exp(-x + a * std::log(x) - std::lgamma(a));
}

// Regularized upper incomplete gamma Q(a, x) by Lentz's continued fraction (x >= a + 1).
double GammaQContinuedFraction(double a, double x) {
  const double tiny = 1e-300;
  double b = x + 1 - a, c = 1 / tiny, d = 1 / b, h = d;
  for (int i = 1; i < 100000; ++i) {
    const double an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (std::fabs(d) < tiny) d = tiny;
    c = b + an / c;
    if (std::fabs(c) < tiny) c = tiny;
    d = 1 / d;
    const double delta = d * c;
    h *= delta;
    if (std::fabs(delta - 1) < 1e-16) break;
  }
  return std::exp(-x + a * std::log(x) - std::lgamma(a)) * h;
}

double Log2OrNegInf(double p) {
  return p > 0 ? std::log2(p) : -std::numeric_limits<double>::infinity();
}

// SP 800-90B 6.3.2 collision estimate, binary, in bits per byte: each t is 2 or 3 and
// E[t] = 2 + 2p(1-p), so the equation of step 7 solves to p = 1/2 + sqrt(5/4 - X'/2) on [1/2, 1].
double CollisionMinEntropy(uint64_t collision_t2, uint64_t collision_t3) {
  const double v = static_cast<double>(collision_t2 + collision_t3);
  double collision_bit = 1.0;
  if (v >= 2) {
    const double sum = 2.0 * collision_t2 + 3.0 * collision_t3;
    const double mean_t = sum / v;
    const double var = (4.0 * collision_t2 + 9.0 * collision_t3 - v * mean_t * mean_t) / (v - 1);
    const double x_lower = mean_t - kZAlpha * std::sqrt(std::max(0.0, var)) / std::sqrt(v);
    if (x_lower < 2.5) {
      const double p = std::min(1.0, 0.5 + std::sqrt(std::max(0.0, 1.25 - 0.5 * x_lower)));
      collision_bit = -std::log2(p);
    }
  } else {
    collision_bit = 0;  // too few bits to estimate anything
  }
  return std::max(0.0, 8 * collision_bit);
}

// SP 800-90B 6.3.3 Markov estimate, binary, over 128-bit sequences, in bits per byte; `n` is
// the sample's length in bytes and `transitions` the counts o[a][b] of bit a followed by bit b.
double MarkovMinEntropy(uint64_t zero_bits, const uint64_t (&transitions)[2][2], double n) {
  const double bits = 8 * n;
  const double p0 = static_cast<double>(zero_bits) / bits, p1 = 1 - p0;
  double p[2][2];
  for (int a = 0; a < 2; ++a) {
    const double out = static_cast<double>(transitions[a][0] + transitions[a][1]);
    for (int b = 0; b < 2; ++b) {
      p[a][b] = out > 0 ? static_cast<double>(transitions[a][b]) / out : 0.0;
    }
  }
  const double l0 = Log2OrNegInf(p0), l1 = Log2OrNegInf(p1);
  const double l00 = Log2OrNegInf(p[0][0]), l01 = Log2OrNegInf(p[0][1]);
  const double l10 = Log2OrNegInf(p[1][0]), l11 = Log2OrNegInf(p[1][1]);
  const double candidates[] = {
      l0 + 127 * l00,            // 00...0
      l0 + 64 * l01 + 63 * l10,  // 0101...01
      l0 + l01 + 126 * l11,      // 011...1
      l1 + l10 + 126 * l00,      // 100...0
      l1 + 64 * l10 + 63 * l01,  // 1010...10
      l1 + 127 * l11,            // 11...1
  };
  const double best = *std::max_element(std::begin(candidates), std::end(candidates));
  return 8 * std::clamp(-best / 128, 0.0, 1.0) + 0.0;  // no -0
}

}  // namespace

double ChiSquareSurvival(double x, double dof) {
  if (!(x > 0)) return 1.0;
  const double a = dof / 2, y = x / 2;
  if (y < a + 1) return std::clamp(1.0 - GammaPSeries(a, y), 0.0, 1.0);
  return std::clamp(GammaQContinuedFraction(a, y), 0.0, 1.0);
}

EntropyAccumulator::EntropyAccumulator() { GetTables(); }

void EntropyAccumulator::Add(std::span<const uint8_t> data) {
  const Tables& t = GetTables();
  for (uint8_t byte : data) {
    if (total_ == 0) {
      first_ = byte;
    } else {
      sum_xy_ += static_cast<unsigned>(last_) * byte;
      ++transitions_[last_ & 1][byte >> 7];  // last bit of the previous byte -> first bit
    }
    last_ = byte;
    ++counts_[byte];
    ++total_;
    sum_x_ += byte;
    sum_x2_ += static_cast<unsigned>(byte) * byte;

    monte_[monte_pos_++] = byte;
    if (monte_pos_ == 6) {
      monte_pos_ = 0;
      const uint64_t x = uint64_t{monte_[0]} << 16 | uint64_t{monte_[1]} << 8 | monte_[2];
      const uint64_t y = uint64_t{monte_[3]} << 16 | uint64_t{monte_[4]} << 8 | monte_[5];
      constexpr uint64_t kRadius = (uint64_t{1} << 24) - 1;
      ++monte_points_;
      if (x * x + y * y <= kRadius * kRadius) ++monte_inside_;
    }

    const CollisionStep& step = t.collision[collision_state_][byte];
    collision_state_ = step.next;
    collision_t2_ += step.t2;
    collision_t3_ += step.t3;
    for (int a = 0; a < 2; ++a) {
      for (int b = 0; b < 2; ++b) transitions_[a][b] += t.transitions[byte][a][b];
    }
    zero_bits_ += 8 - std::popcount(byte);
  }
}

EntropyReport EntropyAccumulator::Finish() const {
  EntropyReport r;
  r.bytes = total_;
  if (total_ == 0) {
    r.serial_correlation = std::numeric_limits<double>::quiet_NaN();
    return r;
  }
  const double n = static_cast<double>(total_);

  // ent statistics.
  const double expected = n / 256;
  uint64_t max_count = 0;
  for (uint64_t c : counts_) {
    const double diff = static_cast<double>(c) - expected;
    r.chi_square += diff * diff / expected;
    if (c > 0) {
      const double p = static_cast<double>(c) / n;
      r.shannon_entropy -= p * std::log2(p);
    }
    max_count = std::max(max_count, c);
  }
  r.chi_square_p = ChiSquareSurvival(r.chi_square, 255);
  r.mean = static_cast<double>(sum_x_) / n;
  {
    // ent: cyclic lag-1 correlation, (N*sum(x_i x_{i+1}) - sum(x)^2) / (N*sum(x^2) - sum(x)^2)
    using i128 = __int128;
    const i128 sum_xy = static_cast<i128>(sum_xy_) + static_cast<i128>(last_) * first_;
    const i128 sum2 = static_cast<i128>(sum_x_) * static_cast<i128>(sum_x_);
    const i128 num = static_cast<i128>(total_) * sum_xy - sum2;
    const i128 den = static_cast<i128>(total_) * static_cast<i128>(sum_x2_) - sum2;
    r.serial_correlation = den == 0 ? std::numeric_limits<double>::quiet_NaN()
                                    : static_cast<double>(num) / static_cast<double>(den);
  }
  r.monte_carlo_pi =
      monte_points_ == 0 ? 0 : 4.0 * static_cast<double>(monte_inside_) / monte_points_;

  // Verdicts: 0.1% false alarms per statistic on uniform independent bytes.
  r.chi_square_ok = r.chi_square_p > kChiLow && r.chi_square_p < kChiHigh;
  const double mean_sd = std::sqrt((256.0 * 256.0 - 1) / 12 / n);
  r.mean_ok = std::fabs(r.mean - 127.5) <= kZVerdict * mean_sd;
  r.serial_correlation_ok = std::isfinite(r.serial_correlation) &&
                            std::fabs(r.serial_correlation) <= kZVerdict / std::sqrt(n);
  if (monte_points_ > 0) {
    const double q = kPi / 4;
    const double pi_sd = 4 * std::sqrt(q * (1 - q) / static_cast<double>(monte_points_));
    r.monte_carlo_pi_ok = std::fabs(r.monte_carlo_pi - kPi) <= kZVerdict * pi_sd;
  }

  // SP 800-90B 6.3.1 most common value, on bytes.
  if (total_ >= 2) {
    const double p_hat = static_cast<double>(max_count) / n;
    const double p_u = std::min(1.0, p_hat + kZAlpha * std::sqrt(p_hat * (1 - p_hat) / (n - 1)));
    r.mcv_min_entropy = std::max(0.0, -std::log2(p_u));
  }

  r.collision_min_entropy = CollisionMinEntropy(collision_t2_, collision_t3_);

  r.markov_min_entropy = MarkovMinEntropy(zero_bits_, transitions_, n);

  r.suggested_min_entropy =
      std::min({r.mcv_min_entropy, r.collision_min_entropy, r.markov_min_entropy});

  if (total_ < kMinAssessBytes) {
    r.verdict = EntropyVerdict::kInsufficientData;
  } else if (r.chi_square_ok && r.mean_ok && r.serial_correlation_ok && r.monte_carlo_pi_ok) {
    r.verdict = EntropyVerdict::kUniform;
  } else {
    r.verdict = EntropyVerdict::kNonUniform;
  }
  return r;
}

EntropyReport AssessEntropy(std::span<const uint8_t> sample) {
  EntropyAccumulator acc;
  acc.Add(sample);
  return acc.Finish();
}

std::string_view EntropyVerdictName(EntropyVerdict verdict) {
  switch (verdict) {
    case EntropyVerdict::kUniform:
      return "uniform";
    case EntropyVerdict::kNonUniform:
      return "non-uniform";
    case EntropyVerdict::kInsufficientData:
      return "insufficient-data";
  }
  return "?";
}

std::string FormatEntropyReport(const EntropyReport& r) {
  auto ok = [](bool b) { return b ? "ok" : "FAIL"; };
  char buf[2048];
  char scc[64];
  if (std::isfinite(r.serial_correlation)) {
    std::snprintf(scc, sizeof scc, "%.6f (0 = random)", r.serial_correlation);
  } else {
    std::snprintf(scc, sizeof scc, "undefined (all bytes equal)");
  }
  const double pi_error = 100 * std::fabs(r.monte_carlo_pi - kPi) / kPi;
  std::snprintf(buf, sizeof buf,
                "bytes read:             %llu\n"
                "Shannon entropy:        %.6f bits per byte\n"
                "chi-square:             %.2f, p = %.4f   %s\n"
                "arithmetic mean:        %.4f (127.5 = random)   %s\n"
                "serial correlation:     %s   %s\n"
                "Monte Carlo pi:         %.9f (error %.2f%%)   %s\n"
                "min-entropy, SP 800-90B (bits per byte):\n"
                "  most common value:    %.4f\n"
                "  collision:            %.4f\n"
                "  Markov:               %.4f\n"
                "suggested --min-entropy: %.4f\n"
                "verdict:                %s\n",
                static_cast<unsigned long long>(r.bytes), r.shannon_entropy, r.chi_square,
                r.chi_square_p, ok(r.chi_square_ok), r.mean, ok(r.mean_ok), scc,
                ok(r.serial_correlation_ok), r.monte_carlo_pi, pi_error, ok(r.monte_carlo_pi_ok),
                r.mcv_min_entropy, r.collision_min_entropy, r.markov_min_entropy,
                r.suggested_min_entropy, std::string(EntropyVerdictName(r.verdict)).c_str());
  return buf;
}

std::string EntropyReportJson(const EntropyReport& r) {
  nlohmann::json j;
  j["bytes"] = r.bytes;
  j["shannon_entropy"] = r.shannon_entropy;
  j["chi_square"] = r.chi_square;
  j["chi_square_p"] = r.chi_square_p;
  j["mean"] = r.mean;
  j["serial_correlation"] =
      std::isfinite(r.serial_correlation) ? nlohmann::json(r.serial_correlation) : nullptr;
  j["monte_carlo_pi"] = r.monte_carlo_pi;
  j["min_entropy"] = {{"most_common_value", r.mcv_min_entropy},
                      {"collision", r.collision_min_entropy},
                      {"markov", r.markov_min_entropy}};
  j["suggested_min_entropy"] = r.suggested_min_entropy;
  j["ok"] = {{"chi_square", r.chi_square_ok},
             {"mean", r.mean_ok},
             {"serial_correlation", r.serial_correlation_ok},
             {"monte_carlo_pi", r.monte_carlo_pi_ok}};
  j["verdict"] = EntropyVerdictName(r.verdict);
  return j.dump();
}

std::optional<std::string> MinEntropyWarning(double configured, const EntropyReport& report) {
  if (configured <= report.suggested_min_entropy) return std::nullopt;
  char buf[256];
  std::snprintf(buf, sizeof buf,
                "--min-entropy %.4g is above the %.4g bits/byte estimated from a %llu-byte "
                "sample: lower it to at most %.4g",
                configured, report.suggested_min_entropy,
                static_cast<unsigned long long>(report.bytes), report.suggested_min_entropy);
  return std::string(buf);
}

}  // namespace otc::padgen
