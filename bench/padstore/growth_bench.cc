// Growth over a lifetime of messages: after N messages each way (a 100-byte reservation
// plus a 100-byte decrypt per message), measure with the real Env (real fsync):
//   journal_bytes  size of the journal on disk after a clean close
//   journal_peak_bytes  the largest it got during the N messages (sampled every 97)
//   reopen_ms      time to open the store (recovery, compaction, fsyncs)
//   reserve_us     mean cost of one more reservation (10,000 of them; batched marks)
//   decrypt_us     mean cost of one more decrypt (BeginDecrypt + CommitDecrypt, fsync'd)
//   decrypt_cpu_us the same without fsync: the CPU part, which depends on the decrypt
//                  log's size
// Each must stay flat from N = 1,000 to N = 10,000,000. A second series drops one
// message in 10,000, so the decrypt log has N / 10,000 gaps: the figures then grow with
// the number of gaps only.
//
// The N messages themselves are written through an Env whose fsync is a no-op (the fill
// is setup, not what is measured: 10M fsyncs would take hours); everything measured
// uses the real Env. OTC_BENCH_DIR picks the directory (default /tmp).
#include <benchmark/benchmark.h>

#include <chrono>
#include <filesystem>

#include "bench/padstore/bench_util.h"
#include "tests/padstore/no_sync_env.h"

namespace otc::padstore::bench {
namespace {

using Clock = std::chrono::steady_clock;
constexpr uint64_t kMessage = 100;

double Since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

void BM_Growth(benchmark::State& state) {
  const uint64_t messages = static_cast<uint64_t>(state.range(0));
  const uint64_t drop_every = static_cast<uint64_t>(state.range(1));
  const uint64_t extra = 200000 * kMessage + (uint64_t{64} << 20);  // room for the measurements
  const uint64_t half = messages * kMessage + extra;
  TempStore tmp(2 * half, Direction::kUp);  // bob sends downward from the top
  const uint64_t top = 2 * half - 1;
  uint64_t peer_next = top;  // bob's next first index
  testing::NoSyncEnv fast;
  StoreOptions fill;
  fill.env = &fast;
  fill.burn_mode = BurnMode::kPunchHole;
  uint64_t journal_peak = 0;  // the largest the journal got during the fill
  {
    auto store = Store::Open(tmp.store(), fill);
    TempStore::Check(store.status());
    for (uint64_t i = 0; i < messages; ++i) {
      if (i % 97 == 0) journal_peak = std::max(journal_peak, (*store)->Info("bob")->journal_bytes);
      auto r = (*store)->ReserveRange("bob", kMessage);
      TempStore::Check(r.status());
      TempStore::Check((*store)->MarkUsed(*r));
      const bool dropped = drop_every != 0 && i % drop_every == drop_every - 1;
      if (!dropped) {
        auto p = (*store)->BeginDecrypt("bob", peer_next, kMessage);
        TempStore::Check(p.status());
        TempStore::Check((*store)->CommitDecrypt(*p).status());
      }
      peer_next -= kMessage;
    }
    TempStore::Check((*store)->Close());
  }
  StoreOptions real;
  real.burn_mode = BurnMode::kPunchHole;
  for (auto _ : state) {
    const double journal_bytes = static_cast<double>(std::filesystem::file_size(tmp.journal()));
    auto t0 = Clock::now();
    auto store = Store::Open(tmp.store(), real);
    const double reopen = Since(t0);
    TempStore::Check(store.status());
    auto info = (*store)->Info("bob");
    constexpr int kReserves = 10000, kDecrypts = 200, kCpuDecrypts = 10000;
    t0 = Clock::now();
    for (int i = 0; i < kReserves; ++i) {
      auto r = (*store)->ReserveRange("bob", kMessage);
      TempStore::Check(r.status());
      TempStore::Check((*store)->MarkUsed(*r));
    }
    const double reserve = Since(t0) / kReserves;
    t0 = Clock::now();
    for (int i = 0; i < kDecrypts; ++i) {
      auto p = (*store)->BeginDecrypt("bob", peer_next, kMessage);
      TempStore::Check(p.status());
      TempStore::Check((*store)->CommitDecrypt(*p).status());
      peer_next -= kMessage;
    }
    const double decrypt = Since(t0) / kDecrypts;
    TempStore::Check((*store)->Close());
    store = Store::Open(tmp.store(), fill);
    TempStore::Check(store.status());
    t0 = Clock::now();
    for (int i = 0; i < kCpuDecrypts; ++i) {
      auto p = (*store)->BeginDecrypt("bob", peer_next, kMessage);
      TempStore::Check(p.status());
      TempStore::Check((*store)->CommitDecrypt(*p).status());
      peer_next -= kMessage;
    }
    const double decrypt_cpu = Since(t0) / kCpuDecrypts;
    TempStore::Check((*store)->Close());
    state.counters["journal_bytes"] = journal_bytes;
    state.counters["journal_peak_bytes"] = static_cast<double>(journal_peak);
    state.counters["reopen_ms"] = reopen * 1e3;
    state.counters["reserve_us"] = reserve * 1e6;
    state.counters["decrypt_us"] = decrypt * 1e6;
    state.counters["decrypt_cpu_us"] = decrypt_cpu * 1e6;
    state.counters["gaps"] = static_cast<double>(info->decrypt_intervals - 1);
  }
}
BENCHMARK(BM_Growth)
    ->ArgNames({"messages", "drop_every"})
    ->Args({1000, 0})
    ->Args({10000000, 0})
    ->Args({1000, 10000})
    ->Args({10000000, 10000})
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace otc::padstore::bench

BENCHMARK_MAIN();
