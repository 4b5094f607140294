// Growth over a lifetime of messages. Two stores are filled, one with 1,000 and one with
// 10,000,000 messages each way (a 100-byte reservation plus a 100-byte decrypt per
// message); then both are measured alternately, 5 rounds, with the real Env (real fsync):
//   journal_bytes       size of the journal on disk after a clean close
//   journal_peak_bytes  the largest it got while the messages were written (sampled)
//   reopen_ms           time to open the store (recovery, compaction, fsyncs)
//   reopen_cpu_ms       the same without fsync: the recovery work alone
//   reserve_us          mean cost of one more reservation (10,000; batched marks)
//   decrypt_us          mean cost of one more decrypt (200; BeginDecrypt + CommitDecrypt,
//                       fsync'd)
//   decrypt_cpu_us      the same without fsync (10,000)
// Reported: the median over the rounds for each store ("...@1k", "...@10M") and their
// ratio ("..._ratio" = 10M / 1k), which must stay near 1. With drop_every = 10000 one
// message in 10,000 is dropped, so the large store's decrypt log has 999 gaps: its size
// then grows with the gaps only.
//
// The messages themselves are written through an Env whose fsync is a no-op (setup, not
// what is measured: 10M fsyncs would take hours), then everything is sync(2)'d so the
// measurements do not pay for the fill's writeback. Measuring the two stores alternately
// matters on a shared machine where fsync latency drifts by 10x over minutes.
// OTC_BENCH_DIR picks the directory (default /tmp); OTC_GROWTH_MESSAGES overrides 10M.
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <map>
#include <memory>

#include "bench/padstore/bench_util.h"
#include "tests/padstore/no_sync_env.h"

namespace otc::padstore::bench {
namespace {

using Clock = std::chrono::steady_clock;
constexpr uint64_t kMessage = 100;

double Since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

struct Subject {
  Subject(uint64_t messages, uint64_t drop_every, Env* fill_env)
      : half(messages * kMessage + 200000 * kMessage + (uint64_t{64} << 20)),
        tmp(2 * half, Direction::kUp),  // bob sends downward from the top
        peer_next(2 * half - 1) {
    StoreOptions fill;
    fill.env = fill_env;
    fill.burn_mode = BurnMode::kPunchHole;
    auto store = Store::Open(tmp.store(), fill);
    TempStore::Check(store.status());
    for (uint64_t i = 0; i < messages; ++i) {
      if (i % 97 == 0) journal_peak = std::max(journal_peak, (*store)->Info("bob")->journal_bytes);
      auto r = (*store)->ReserveRange("bob", kMessage);
      TempStore::Check(r.status());
      TempStore::Check((*store)->MarkUsed(*r));
      if (drop_every == 0 || i % drop_every != drop_every - 1) {
        auto p = (*store)->BeginDecrypt("bob", peer_next, kMessage);
        TempStore::Check(p.status());
        TempStore::Check((*store)->CommitDecrypt(*p).status());
      }
      peer_next -= kMessage;
    }
    TempStore::Check((*store)->Close());
    gaps = 0;
  }

  uint64_t half;
  TempStore tmp;
  uint64_t peer_next;
  uint64_t journal_peak = 0;
  uint64_t gaps = 0;
  std::map<std::string, std::vector<double>> samples;
};

void Measure(Subject& s, Env* fast) {
  StoreOptions real, nosync;
  real.burn_mode = nosync.burn_mode = BurnMode::kPunchHole;
  nosync.env = fast;
  s.samples["journal_bytes"].push_back(
      static_cast<double>(std::filesystem::file_size(s.tmp.journal())));
  auto reopen = [&](const StoreOptions& o) {
    auto t0 = Clock::now();
    auto store = Store::Open(s.tmp.store(), o);
    double t = Since(t0);
    TempStore::Check(store.status());
    TempStore::Check((*store)->Close());
    return t;
  };
  s.samples["reopen_ms"].push_back(reopen(real) * 1e3);
  s.samples["reopen_cpu_ms"].push_back(reopen(nosync) * 1e3);
  auto decrypts = [&](Store& store, int n) {
    auto t0 = Clock::now();
    for (int i = 0; i < n; ++i) {
      auto p = store.BeginDecrypt("bob", s.peer_next, kMessage);
      TempStore::Check(p.status());
      TempStore::Check(store.CommitDecrypt(*p).status());
      s.peer_next -= kMessage;
    }
    return Since(t0) / n * 1e6;
  };
  {
    auto store = Store::Open(s.tmp.store(), real);
    TempStore::Check(store.status());
    s.gaps = (*store)->Info("bob")->decrypt_intervals - 1;
    constexpr int kReserves = 10000;
    auto t0 = Clock::now();
    for (int i = 0; i < kReserves; ++i) {
      auto r = (*store)->ReserveRange("bob", kMessage);
      TempStore::Check(r.status());
      TempStore::Check((*store)->MarkUsed(*r));
    }
    s.samples["reserve_us"].push_back(Since(t0) / kReserves * 1e6);
    s.samples["decrypt_us"].push_back(decrypts(**store, 200));
    TempStore::Check((*store)->Close());
  }
  auto store = Store::Open(s.tmp.store(), nosync);
  TempStore::Check(store.status());
  s.samples["decrypt_cpu_us"].push_back(decrypts(**store, 10000));
  TempStore::Check((*store)->Close());
}

void BM_Growth(benchmark::State& state) {
  const uint64_t drop_every = static_cast<uint64_t>(state.range(0));
  const char* env_messages = getenv("OTC_GROWTH_MESSAGES");
  const uint64_t large = env_messages ? std::strtoull(env_messages, nullptr, 10) : 10000000;
  testing::NoSyncEnv fast;
  Subject small(1000, drop_every, &fast);
  Subject big(large, drop_every, &fast);
  ::sync();
  for (auto _ : state) {
    for (int round = 0; round < 5; ++round) {
      Measure(small, &fast);
      Measure(big, &fast);
    }
  }
  for (const auto& [name, values] : small.samples) {
    const double a = Median(values), b = Median(big.samples[name]);
    state.counters[name + "@1k"] = a;
    state.counters[name + "@10M"] = b;
    state.counters[name + "_ratio"] = b / a;
  }
  state.counters["journal_peak_bytes@1k"] = static_cast<double>(small.journal_peak);
  state.counters["journal_peak_bytes@10M"] = static_cast<double>(big.journal_peak);
  state.counters["gaps@10M"] = static_cast<double>(big.gaps);
}
BENCHMARK(BM_Growth)
    ->ArgName("drop_every")
    ->Arg(0)
    ->Arg(10000)
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace otc::padstore::bench

BENCHMARK_MAIN();
