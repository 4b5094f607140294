// Entropy report: how random is a sample of a source, and what --min-entropy to give padgen.
//
// Two kinds of figures, both over the sample's bytes:
//   * the statistics of Fourmilab's `ent` (same definitions, so the numbers can be checked
//     against `ent`): Shannon entropy per byte, chi-square over the 256 byte values with its
//     p-value (exact, from the regularized incomplete gamma function), arithmetic mean,
//     lag-1 serial correlation (cyclic, as ent computes it) and the Monte-Carlo estimate of
//     pi from 6-byte (24-bit x, 24-bit y) points. Each gets a verdict at a false-alarm rate
//     of 0.1% per statistic (chi-square: 0.001 < p < 0.999; mean, serial correlation and
//     pi: within 3.29 standard deviations of their value for uniform bytes).
//   * NIST SP 800-90B min-entropy estimates (non-IID track, section 6.3): most common value
//     (6.3.1) on the bytes, and the collision (6.3.2) and Markov (6.3.3) estimates, which
//     the standard defines for binary data, on the sample's bit string (most significant bit
//     of each byte first), scaled to bits per byte. The minimum is the suggested
//     --min-entropy. This is a subset of 90B's estimators (no compression, t-tuple, LRS or
//     predictor estimates), so it can only overstate what the full suite would report:
//     choose --min-entropy at or below it, with a margin for hardware drift.
//
// These are sanity checks on a sample. Passing them does not prove a source is random (a
// PRNG passes them all); failing them proves it is not uniform.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>

namespace otc::padgen {

// Below this many bytes the chi-square approximation is poor (fewer than 10 expected per
// value): the report is computed but its verdict is kInsufficientData.
inline constexpr uint64_t kMinAssessBytes = 2560;

enum class EntropyVerdict { kUniform, kNonUniform, kInsufficientData };

struct EntropyReport {
  uint64_t bytes = 0;
  double shannon_entropy = 0;     // bits per byte, in [0, 8]
  double chi_square = 0;          // 255 degrees of freedom
  double chi_square_p = 0;        // P(X >= chi_square) for uniform independent bytes
  double mean = 0;                // 127.5 for uniform bytes
  double serial_correlation = 0;  // NaN when every byte is equal (undefined)
  double monte_carlo_pi = 0;
  // SP 800-90B estimates, bits per byte.
  double mcv_min_entropy = 0;
  double collision_min_entropy = 0;
  double markov_min_entropy = 0;
  double suggested_min_entropy = 0;  // the minimum of the three

  bool chi_square_ok = false;
  bool mean_ok = false;
  bool serial_correlation_ok = false;
  bool monte_carlo_pi_ok = false;
  EntropyVerdict verdict = EntropyVerdict::kInsufficientData;
};

// Accumulates a sample in pieces (a device read in chunks) and reports on all of it.
class EntropyAccumulator {
 public:
  EntropyAccumulator();
  void Add(std::span<const uint8_t> data);
  uint64_t bytes() const { return total_; }
  EntropyReport Finish() const;

 private:
  std::array<uint64_t, 256> counts_{};
  uint64_t total_ = 0;
  // ent's Monte-Carlo pi
  uint8_t monte_[6] = {};
  int monte_pos_ = 0;
  uint64_t monte_points_ = 0, monte_inside_ = 0;
  // ent's serial correlation
  uint8_t first_ = 0, last_ = 0;
  unsigned __int128 sum_xy_ = 0;
  uint64_t sum_x_ = 0;
  unsigned __int128 sum_x2_ = 0;
  // SP 800-90B collision estimate over bits: state of the current run, and the t values
  uint8_t collision_state_ = 0;
  uint64_t collision_t2_ = 0, collision_t3_ = 0;
  // SP 800-90B Markov estimate over bits: transition counts o[a][b]
  uint64_t transitions_[2][2] = {};
  uint64_t zero_bits_ = 0;
};

// The whole report on one in-memory sample.
EntropyReport AssessEntropy(std::span<const uint8_t> sample);

// Upper tail P(X >= x) of the chi-square distribution with `dof` degrees of freedom.
double ChiSquareSurvival(double x, double dof);

std::string_view EntropyVerdictName(EntropyVerdict verdict);  // "uniform", "non-uniform", ...

// Human-readable report, several lines, ending in a newline.
std::string FormatEntropyReport(const EntropyReport& report);
// The report as one JSON object (NaN serial correlation is null).
std::string EntropyReportJson(const EntropyReport& report);

// If `configured` (padgen's --min-entropy) is above the report's suggestion, a one-line
// warning saying so and what to use; otherwise nullopt.
std::optional<std::string> MinEntropyWarning(double configured, const EntropyReport& report);

}  // namespace otc::padgen
