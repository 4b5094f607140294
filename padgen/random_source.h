// RandomSource: pad bytes from getrandom(2), the kernel CSPRNG, on several threads.
//
// Since Linux 5.6 (blocking semantics) and 5.18 (the ChaCha20 rewrite) /dev/random,
// /dev/urandom and getrandom all return output of the same ChaCha20-based CSPRNG: fast
// and computationally secure, not information-theoretically random (docs/SECURITY.md,
// "Randomness sources"). Each Fill is independent, so fillers run fully in parallel.
#pragma once

#include <atomic>

#include "padgen/source.h"

namespace otc::padgen {

class RandomSource final : public PadSource {
 public:
  // threads == 0: one per online CPU.
  explicit RandomSource(size_t threads = 0);

  std::string Describe() const override;
  Status Start() override { return Status::Ok(); }
  Status Fill(std::span<uint8_t> out) override;
  size_t PreferredFillers() const override { return threads_; }
  double MeasureRate(std::chrono::milliseconds budget) override;
  std::vector<StreamStats> Stats() const override;
  void Stop() override { stopped_ = true; }

 private:
  size_t threads_;
  std::atomic<uint64_t> bytes_{0};
  std::atomic<bool> stopped_{false};
};

}  // namespace otc::padgen
