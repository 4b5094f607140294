// Reservations per second: batched marks (default 1 MiB: most reservations cost no
// fsync) against the baseline of one fsync'd mark per reservation (batch = 1 byte).
// Real Env, real fsync. 100-byte reservations, as a short chat message.
#include <benchmark/benchmark.h>

#include "bench/padstore/bench_util.h"

namespace otc::padstore::bench {
namespace {

void BM_Reserve(benchmark::State& state) {
  const uint64_t batch = static_cast<uint64_t>(state.range(0));
  TempStore tmp(uint64_t{64} << 30, Direction::kUp);  // sparse: 32 GiB to hand out
  StoreOptions options;
  options.reserve_batch = batch;
  auto store = Store::Open(tmp.store(), options);
  TempStore::Check(store.status());
  for (auto _ : state) {
    auto r = (*store)->ReserveRange("bob", 100);
    if (!r.ok()) {
      state.SkipWithError(r.status().ToString().c_str());
      break;
    }
    benchmark::DoNotOptimize(r->first_index);
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["batch_bytes"] = static_cast<double>(batch);
}
BENCHMARK(BM_Reserve)->ArgName("batch")->Arg(1)->Arg(4096)->Arg(1 << 20)->UseRealTime();

// Reserve and mark used: the device's sending path without the pad read and the XOR
// (burned by hole punching in 1 MiB batches).
void BM_ReserveAndBurn(benchmark::State& state) {
  TempStore tmp(uint64_t{64} << 30, Direction::kUp);
  StoreOptions options;
  options.burn_mode = BurnMode::kPunchHole;
  auto store = Store::Open(tmp.store(), options);
  TempStore::Check(store.status());
  for (auto _ : state) {
    auto r = (*store)->ReserveRange("bob", 100);
    if (!r.ok()) {
      state.SkipWithError(r.status().ToString().c_str());
      break;
    }
    // The sparse pad reads as zeros, which ReadPad refuses: time the mark only.
    if (!(*store)->MarkUsed(*r).ok()) {
      state.SkipWithError("MarkUsed failed");
      break;
    }
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ReserveAndBurn)->UseRealTime();

}  // namespace
}  // namespace otc::padstore::bench

BENCHMARK_MAIN();
