// Extraction rate (goal: >= 100 MB/s of input on one core) per backend, block size n and
// min-entropy H; the gf2x backend (generic gf2x_mul, as Debian builds it) is the baseline.
// Also XOR mixing (ISA-L xor_gen vs a byte loop), getrandom mixing, and the entropy report.
#include <benchmark/benchmark.h>

#include <random>
#include <vector>

#include "padgen/randomness/entropy_estimate.h"
#include "padgen/randomness/mix.h"
#include "padgen/randomness/toeplitz.h"

namespace otc::padgen {
namespace {

std::vector<uint8_t> Random(size_t n) {
  std::mt19937_64 rng(1);
  std::vector<uint8_t> v(n);
  for (auto& b : v) b = static_cast<uint8_t>(rng());
  return v;
}

// Args: backend, block bits n, min-entropy H * 100.
void BM_ToeplitzExtract(benchmark::State& state) {
  const auto backend = static_cast<ToeplitzBackend>(state.range(0));
  if (!ToeplitzBackendAvailable(backend)) {
    state.SkipWithError("backend not supported by this CPU");
    return;
  }
  Result<ToeplitzParams> p = DeriveToeplitzParams(static_cast<uint32_t>(state.range(1)),
                                                  static_cast<double>(state.range(2)) / 100);
  Result<ToeplitzExtractor> ex = ToeplitzExtractor::Create(*p, backend);
  const size_t blocks = std::max<size_t>(1, (size_t{1} << 20) / p->input_block_bytes());
  std::vector<uint8_t> in = Random(blocks * p->input_block_bytes());
  std::vector<uint8_t> out(blocks * p->output_block_bytes());
  for (auto _ : state) {
    Status st = ex->ExtractBlocks(in, out);
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
    if (!st.ok()) state.SkipWithError(st.ToString().c_str());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * in.size()));
  state.SetLabel(std::string(ToeplitzBackendName(backend)) +
                 " m=" + std::to_string(p->output_bits));
}

void ExtractArgs(benchmark::internal::Benchmark* b) {
  for (auto backend :
       {ToeplitzBackend::kGf2x, ToeplitzBackend::kPclmul, ToeplitzBackend::kVpclmul}) {
    for (int n : {1024, 4096, 16384}) {
      for (int h100 : {100, 700, 800}) {
        if (n == 1024 && h100 == 100) continue;  // no output at epsilon 2^-64
        b->Args({static_cast<int64_t>(backend), n, h100});
      }
    }
  }
}
BENCHMARK(BM_ToeplitzExtract)->Apply(ExtractArgs)->Unit(benchmark::kMicrosecond)->MinTime(0.2);

void BM_XorIntoXorGen(benchmark::State& state) {
  std::vector<uint8_t> a = Random(size_t{1} << 20), b = Random(size_t{1} << 20);
  for (auto _ : state) {
    benchmark::DoNotOptimize(XorInto(a, b));
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * a.size()));
}
BENCHMARK(BM_XorIntoXorGen);

void BM_XorByteLoopBaseline(benchmark::State& state) {
  std::vector<uint8_t> a = Random(size_t{1} << 20), b = Random(size_t{1} << 20);
  for (auto _ : state) {
    for (size_t i = 0; i < a.size(); ++i) a[i] ^= b[i];
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * a.size()));
}
BENCHMARK(BM_XorByteLoopBaseline);

void BM_GetrandomMix(benchmark::State& state) {
  std::vector<uint8_t> a = Random(size_t{1} << 20);
  GetrandomMixer mixer;
  for (auto _ : state) benchmark::DoNotOptimize(mixer.Mix(a));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * a.size()));
}
BENCHMARK(BM_GetrandomMix);

void BM_EntropyReport(benchmark::State& state) {
  std::vector<uint8_t> a = Random(size_t{1} << 20);
  for (auto _ : state) benchmark::DoNotOptimize(AssessEntropy(a));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * a.size()));
}
BENCHMARK(BM_EntropyReport);

}  // namespace
}  // namespace otc::padgen

BENCHMARK_MAIN();
