// Continuous health tests for a hardware noise source (NIST SP 800-90B §4.4).
//
// Every byte read from an HRNG passes through a HealthTester before it may reach a pad:
//
//   Repetition Count Test (RCT, §4.4.1): fails when one value repeats C times in a row,
//     C = 1 + ceil(-log2(alpha) / H).
//   Adaptive Proportion Test (APT, §4.4.2): in each window of W = 512 samples the first
//     sample is the reference; the test fails when the reference occurs C times in the
//     window, C = 1 + CRITBINOM(W, 2^-H, 1 - alpha), i.e. one more than the smallest k
//     with P[Binomial(W, 2^-H) > k] <= alpha. The binomial tail is computed here, not
//     taken from the table in the standard (the table only covers alpha = 2^-20).
//
// H is the claimed min-entropy per byte (`--min-entropy`, default 8 for devices that
// whiten internally) and alpha the false-alarm probability per sample (default 2^-40:
// at 2^-20 a terabyte of perfect output would raise about a million RCT alarms, at
// 2^-40 about one).
//
// The tester is fed blocks; a block in which a test fails is the caller's to discard.
// After a failure both tests restart from the next sample. HealthMonitor turns the
// failures into a policy: N failures within a window of the stream stop generation.
#pragma once

#include <cstdint>
#include <deque>
#include <span>
#include <string>

#include "common/status.h"

namespace otc::padgen {

struct HealthTestConfig {
  double min_entropy = 8.0;      // H: claimed min-entropy, bits per byte, in (0, 8]
  double alpha_exponent = 40.0;  // alpha = 2^-alpha_exponent, in [1, 100]
  uint32_t apt_window = 512;     // W for non-binary samples (SP 800-90B)
  uint32_t startup_samples = 1024;
  uint32_t max_failures = 3;             // this many failures ...
  uint64_t failure_window = 1ull << 30;  // ... within this many stream bytes stop the run
};

Status ValidateHealthTestConfig(const HealthTestConfig& config);

// C = 1 + ceil(alpha_exponent / H).
uint32_t RepetitionCountCutoff(double min_entropy, double alpha_exponent);
// C = 1 + CRITBINOM(window, 2^-H, 1 - 2^-alpha_exponent), capped at `window`.
uint32_t AdaptiveProportionCutoff(double min_entropy, double alpha_exponent, uint32_t window);

enum class HealthFailure { kNone, kRepetitionCount, kAdaptiveProportion };
const char* HealthFailureName(HealthFailure failure);

// RCT and APT over one byte stream. Not thread-safe; one per stream.
class HealthTester {
 public:
  explicit HealthTester(const HealthTestConfig& config);

  // Continues both tests over `samples`. Returns the first failure in the block (the
  // tests then restart), or kNone.
  HealthFailure Process(std::span<const uint8_t> samples);
  void Reset();

  uint32_t rct_cutoff() const { return rct_cutoff_; }
  uint32_t apt_cutoff() const { return apt_cutoff_; }

 private:
  uint32_t rct_cutoff_;
  uint32_t apt_cutoff_;
  uint32_t apt_window_;
  bool started_ = false;
  uint8_t rct_value_ = 0;
  uint32_t rct_count_ = 0;
  uint8_t apt_value_ = 0;
  uint32_t apt_count_ = 0;
  uint32_t apt_seen_ = 0;  // samples of the current window seen so far (0 = new window)
};

// Counts failures of one stream and decides when to stop: `max_failures` failures whose
// stream positions lie within `failure_window` bytes of each other.
class HealthMonitor {
 public:
  explicit HealthMonitor(const HealthTestConfig& config)
      : max_failures_(config.max_failures), window_(config.failure_window) {}

  // Records a failure at stream offset `position`; returns true if the run must stop.
  bool RecordFailure(uint64_t position);
  uint64_t failures() const { return total_; }

 private:
  uint32_t max_failures_;
  uint64_t window_;
  std::deque<uint64_t> recent_;
  uint64_t total_ = 0;
};

}  // namespace otc::padgen
