#include "padgen/random_source.h"

#include <openssl/err.h>
#include <openssl/rand.h>

#include <algorithm>
#include <thread>
#include <vector>

#include "common/secret_buffer.h"
#include "padgen/randomness/system_random.h"

namespace otc::padgen {

RandomSource::RandomSource(size_t threads, RandomGenerator generator)
    : threads_(threads), generator_(generator) {
  if (threads_ == 0) threads_ = std::max(1u, std::thread::hardware_concurrency());
}

std::string RandomSource::Describe() const {
  const std::string threads = std::to_string(threads_) + (threads_ == 1 ? " thread)" : " threads)");
  if (generator_ == RandomGenerator::kDrbg) {
    return "OpenSSL CTR_DRBG seeded from getrandom (computationally secure, " + threads;
  }
  return "getrandom (kernel CSPRNG, " + threads;
}

Status RandomSource::Generate(std::span<uint8_t> out) const {
  if (generator_ == RandomGenerator::kGetrandom) return FillFromGetrandom(out);
  size_t done = 0;
  while (done < out.size()) {
    const size_t want = std::min<size_t>(out.size() - done, size_t{1} << 30);
    if (RAND_priv_bytes(out.data() + done, static_cast<int>(want)) != 1) {
      ERR_clear_error();
      return Status::IOError("OpenSSL RAND_priv_bytes failed (its DRBG could not be seeded)");
    }
    done += want;
  }
  return Status::Ok();
}

Status RandomSource::Fill(std::span<uint8_t> out) {
  if (stopped_) return Status::Failed("source stopped");
  Status s = Generate(out);
  if (s.ok()) bytes_ += out.size();
  return s;
}

double RandomSource::MeasureRate(std::chrono::milliseconds budget) {
  using Clock = std::chrono::steady_clock;
  std::vector<std::thread> workers;
  std::vector<uint64_t> bytes(threads_, 0);
  const auto start = Clock::now();
  // A fifth of the budget is plenty for a CPU-bound source and burns less CPU.
  const auto deadline = start + budget / 5;
  for (size_t t = 0; t < threads_; ++t) {
    workers.emplace_back([&, t] {
      SecretBuffer scratch(size_t{1} << 20);
      do {
        if (!Generate(scratch.span()).ok()) return;
        bytes[t] += scratch.size();
      } while (Clock::now() < deadline);
    });
  }
  for (auto& w : workers) w.join();
  double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  uint64_t total = 0;
  for (uint64_t b : bytes) total += b;
  return seconds > 0 ? static_cast<double>(total) / seconds : 0.0;
}

std::vector<StreamStats> RandomSource::Stats() const {
  StreamStats s;
  s.name = generator_ == RandomGenerator::kDrbg ? "drbg" : "getrandom";
  s.kind = "random";
  s.bytes_read = s.bytes_accepted = bytes_.load();
  return {s};
}

}  // namespace otc::padgen
