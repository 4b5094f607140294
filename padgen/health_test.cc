#include "padgen/health_test.h"

#include <cmath>
#include <string>

namespace otc::padgen {

Status ValidateHealthTestConfig(const HealthTestConfig& config) {
  if (!(config.min_entropy > 0.0 && config.min_entropy <= 8.0)) {
    return Status::InvalidArgument("--min-entropy must be in (0, 8] bits per byte, got " +
                                   std::to_string(config.min_entropy));
  }
  if (!(config.alpha_exponent >= 1.0 && config.alpha_exponent <= 100.0)) {
    return Status::InvalidArgument(
        "--health-alpha must be between 1 and 100 (the false-alarm rate is 2^-N), got " +
        std::to_string(config.alpha_exponent));
  }
  if (config.apt_window < 2) return Status::InvalidArgument("APT window must be at least 2");
  if (config.max_failures < 1) {
    return Status::InvalidArgument("--max-health-failures must be at least 1");
  }
  if (config.failure_window == 0) {
    return Status::InvalidArgument("--health-failure-window must be positive");
  }
  return Status::Ok();
}

uint32_t RepetitionCountCutoff(double min_entropy, double alpha_exponent) {
  return 1 + static_cast<uint32_t>(std::ceil(alpha_exponent / min_entropy));
}

uint32_t AdaptiveProportionCutoff(double min_entropy, double alpha_exponent, uint32_t window) {
  // Upper tail T(k) = P[X > k] for X ~ Binomial(window, p), summed from the far end so
  // the small terms are added first. CRITBINOM(n, p, 1 - alpha) is the smallest k with
  // T(k) <= alpha.
  const long double p = std::pow(2.0L, -static_cast<long double>(min_entropy));
  const long double alpha = std::pow(2.0L, -static_cast<long double>(alpha_exponent));
  const long double log_p = std::log(p);
  const long double log_q = p < 1.0L ? std::log1p(-p) : -INFINITY;
  const long double log_n_fact = std::lgamma(static_cast<long double>(window) + 1);
  auto pmf = [&](uint32_t j) -> long double {
    long double lj = static_cast<long double>(j);
    long double log_c =
        log_n_fact - std::lgamma(lj + 1) - std::lgamma(static_cast<long double>(window - j) + 1);
    long double fail_term = (window - j) == 0 ? 0.0L : (window - j) * log_q;
    return std::exp(log_c + lj * log_p + fail_term);
  };
  long double tail = 0.0L;  // T(window) = 0
  uint32_t k = window;
  while (k > 0) {
    long double next = tail + pmf(k);  // T(k - 1)
    if (next > alpha) break;
    tail = next;
    --k;
  }
  uint32_t cutoff = 1 + k;
  return cutoff > window ? window : cutoff;
}

const char* HealthFailureName(HealthFailure failure) {
  switch (failure) {
    case HealthFailure::kNone:
      return "none";
    case HealthFailure::kRepetitionCount:
      return "repetition count test";
    case HealthFailure::kAdaptiveProportion:
      return "adaptive proportion test";
  }
  return "unknown";
}

HealthTester::HealthTester(const HealthTestConfig& config)
    : rct_cutoff_(RepetitionCountCutoff(config.min_entropy, config.alpha_exponent)),
      apt_cutoff_(
          AdaptiveProportionCutoff(config.min_entropy, config.alpha_exponent, config.apt_window)),
      apt_window_(config.apt_window) {}

void HealthTester::Reset() {
  started_ = false;
  rct_count_ = 0;
  apt_count_ = 0;
  apt_seen_ = 0;
}

HealthFailure HealthTester::Process(std::span<const uint8_t> samples) {
  HealthFailure result = HealthFailure::kNone;
  for (uint8_t x : samples) {
    // Repetition Count Test.
    if (started_ && x == rct_value_) {
      if (++rct_count_ >= rct_cutoff_) {
        if (result == HealthFailure::kNone) result = HealthFailure::kRepetitionCount;
        Reset();
        continue;
      }
    } else {
      rct_value_ = x;
      rct_count_ = 1;
      started_ = true;
    }
    // Adaptive Proportion Test.
    if (apt_seen_ == 0) {
      apt_value_ = x;
      apt_count_ = 1;
      apt_seen_ = 1;
    } else {
      if (x == apt_value_ && ++apt_count_ >= apt_cutoff_) {
        if (result == HealthFailure::kNone) result = HealthFailure::kAdaptiveProportion;
        Reset();
        continue;
      }
      if (++apt_seen_ == apt_window_) apt_seen_ = 0;
    }
  }
  return result;
}

bool HealthMonitor::RecordFailure(uint64_t position) {
  ++total_;
  recent_.push_back(position);
  while (!recent_.empty() && position - recent_.front() >= window_) recent_.pop_front();
  return recent_.size() >= max_failures_;
}

}  // namespace otc::padgen
