// RandomSource: pad bytes from a CSPRNG on several threads: getrandom(2), the kernel's
// (`--source random`), or OpenSSL 3's CTR_DRBG seeded from it (`--source drbg`).
//
// Since Linux 5.6 (blocking semantics) and 5.18 (the ChaCha20 rewrite) /dev/random,
// /dev/urandom and getrandom all return output of the same ChaCha20-based CSPRNG: fast
// and computationally secure, not information-theoretically random (docs/SECURITY.md,
// "Randomness sources"). The kernel computes that ChaCha20 with generic (non-SIMD) code,
// about 0.5-0.7 GB/s per core here. OpenSSL's private DRBG (NIST SP 800-90A CTR_DRBG,
// AES-256, one instance per thread, seeded and periodically reseeded from getrandom) gives
// the same class of guarantee -- computational security, now resting on AES as well as on
// the kernel -- at several times the rate per core (docs/BENCHMARKS.md, "padgen"). Each Fill is
// independent, so fillers run fully in parallel.
#pragma once

#include <atomic>

#include "padgen/source.h"

namespace otc::padgen {

enum class RandomGenerator {
  kGetrandom,  // getrandom(2)
  kDrbg,       // OpenSSL RAND_priv_bytes: CTR_DRBG seeded from getrandom
};

class RandomSource final : public PadSource {
 public:
  // threads == 0: one per online CPU.
  explicit RandomSource(size_t threads = 0,
                        RandomGenerator generator = RandomGenerator::kGetrandom);

  std::string Describe() const override;
  Status Start() override { return Status::Ok(); }
  Status Fill(std::span<uint8_t> out) override;
  size_t PreferredFillers() const override { return threads_; }
  double MeasureRate(std::chrono::milliseconds budget) override;
  std::vector<StreamStats> Stats() const override;
  void Stop() override { stopped_ = true; }

 private:
  Status Generate(std::span<uint8_t> out) const;

  size_t threads_;
  RandomGenerator generator_;
  std::atomic<uint64_t> bytes_{0};
  std::atomic<bool> stopped_{false};
};

}  // namespace otc::padgen
