#include "padgen/random_source.h"

#include <algorithm>
#include <thread>
#include <vector>

#include "common/secret_buffer.h"
#include "padgen/system_random.h"

namespace otc::padgen {

RandomSource::RandomSource(size_t threads) : threads_(threads) {
  if (threads_ == 0) threads_ = std::max(1u, std::thread::hardware_concurrency());
}

std::string RandomSource::Describe() const {
  return "getrandom (kernel CSPRNG, " + std::to_string(threads_) +
         (threads_ == 1 ? " thread)" : " threads)");
}

Status RandomSource::Fill(std::span<uint8_t> out) {
  if (stopped_) return Status::Failed("source stopped");
  Status s = FillFromGetrandom(out);
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
        if (!FillFromGetrandom(scratch.span()).ok()) return;
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
  s.name = "getrandom";
  s.kind = "random";
  s.bytes_read = s.bytes_accepted = bytes_.load();
  return {s};
}

}  // namespace otc::padgen
