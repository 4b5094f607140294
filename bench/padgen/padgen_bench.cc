// padgen_bench: throughput of the stages every pad byte goes through, with memcpy of the
// same buffer as the baseline (run in the same process, so the ratio is meaningful):
//   BM_Memcpy            baseline: copying a chunk
//   BM_HealthTests       RCT + APT over an HRNG block (must beat any HRNG by far)
//   BM_ChunkDigest       XXH3-128 of a 4 MiB chunk (the manifest digest)
//   BM_Getrandom         getrandom(2) filling a 4 MiB chunk, one thread
#include <benchmark/benchmark.h>

#include <cstring>
#include <vector>

#include "common/secret_buffer.h"
#include "padgen/health_test.h"
#include "padgen/random_source.h"
#include "padgen/randomness/system_random.h"
#include "padstore/manifest.h"

namespace {

using otc::SecretBuffer;

SecretBuffer RandomBuffer(size_t n) {
  SecretBuffer b(n);
  (void)otc::padgen::FillFromGetrandom(b.span());
  return b;
}

void BM_Memcpy(benchmark::State& state) {
  const size_t n = static_cast<size_t>(state.range(0));
  SecretBuffer src = RandomBuffer(n);
  SecretBuffer dst(n);
  for (auto _ : state) {
    std::memcpy(dst.data(), src.data(), n);
    benchmark::DoNotOptimize(dst.data());
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * n));
}
BENCHMARK(BM_Memcpy)->Arg(64 << 10)->Arg(4 << 20);

void BM_HealthTests(benchmark::State& state) {
  const size_t n = static_cast<size_t>(state.range(0));
  SecretBuffer block = RandomBuffer(n);
  otc::padgen::HealthTester tester(otc::padgen::HealthTestConfig{});
  for (auto _ : state) {
    auto failure = tester.Process(block.span());
    benchmark::DoNotOptimize(failure);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * n));
}
BENCHMARK(BM_HealthTests)->Arg(64 << 10);

void BM_ChunkDigest(benchmark::State& state) {
  const size_t n = static_cast<size_t>(state.range(0));
  SecretBuffer chunk = RandomBuffer(n);
  for (auto _ : state) {
    auto d = otc::padstore::ChunkDigest(chunk.span());
    benchmark::DoNotOptimize(d);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * n));
}
BENCHMARK(BM_ChunkDigest)->Arg(4 << 20);

void BM_Getrandom(benchmark::State& state) {
  const size_t n = static_cast<size_t>(state.range(0));
  SecretBuffer chunk(n);
  for (auto _ : state) {
    if (!otc::padgen::FillFromGetrandom(chunk.span()).ok()) state.SkipWithError("getrandom failed");
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * n));
}
BENCHMARK(BM_Getrandom)->Arg(4 << 20);

}  // namespace

BENCHMARK_MAIN();
