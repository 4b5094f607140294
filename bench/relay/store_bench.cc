// relay_store_bench: the relay's SqliteStore without HTTP.
//
//   BM_Append/threads:N/batch:B   durable appends from N threads; B = the writer's largest
//                                 batch (1 = one transaction and fsync per message, the
//                                 baseline that group commit is compared with)
//   BM_Fetch                      a recipient's newest message from a 10,000-message store
//
// Uses a temporary database under $TMPDIR (same file system as the relay's would be).
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <thread>

#include <benchmark/benchmark.h>

#include "relay/sqlite_store.h"

namespace otc::relay {
namespace {

std::string TempDb(const char* name) {
  const char* tmp = std::getenv("TMPDIR");
  std::string dir = std::string(tmp ? tmp : "/tmp") + "/otc_relay_bench_" +
                    std::to_string(::getpid()) + "_" + name;
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

const std::string kContents(344, 'Q');  // base64 of a 256-byte message

// kContents with a unique tail: the store answers an identical send with its first ref and
// stores nothing, so repeated contents would measure lookups, not durable appends.
std::string UniqueContents() {
  static std::atomic<uint64_t> counter{0};
  std::string s = kContents;
  std::string n = std::to_string(counter.fetch_add(1));
  s.replace(s.size() - n.size(), n.size(), n);
  return s;
}

std::string Uid(int i) {
  std::string s = "u";
  s += std::to_string(i);
  return s;
}

void BM_Append(benchmark::State& state) {
  const int threads = static_cast<int>(state.range(0));
  std::string dir = TempDb("append");
  SqliteStoreOptions o;
  o.path = dir + "/relay.db";
  o.max_batch = static_cast<size_t>(state.range(1));
  auto store = SqliteStore::Open(o);
  if (!store.ok()) {
    state.SkipWithError(store.status().ToString().c_str());
    return;
  }
  uint64_t total = 0;
  for (auto _ : state) {
    // Each iteration: every thread appends 50 messages, waiting for each to be durable.
    std::vector<std::thread> workers;
    for (int t = 0; t < threads; ++t) {
      workers.emplace_back([&, t] {
        for (int i = 0; i < 50; ++i) {
          Result<uint64_t> r = AppendAndWait(**store, {Uid(t), "s", UniqueContents()});
          if (!r.ok()) std::abort();
        }
      });
    }
    for (auto& w : workers) w.join();
    total += static_cast<uint64_t>(threads) * 50;
  }
  StoreStats stats = (*store)->Stats();
  state.counters["sends/s"] =
      benchmark::Counter(static_cast<double>(total), benchmark::Counter::kIsRate);
  state.counters["per_fsync"] =
      static_cast<double>(stats.appended) / static_cast<double>(stats.commits);
  (void)(*store)->Close();
  std::filesystem::remove_all(dir);
}
BENCHMARK(BM_Append)
    ->ArgNames({"threads", "batch"})
    ->Args({8, 1})
    ->Args({8, 4096})
    ->Args({64, 1})
    ->Args({64, 4096})
    ->UseRealTime()
    ->MinTime(2.0);

void BM_Fetch(benchmark::State& state) {
  std::string dir = TempDb("fetch");
  SqliteStoreOptions o;
  o.path = dir + "/relay.db";
  auto store = SqliteStore::Open(o);
  if (!store.ok()) {
    state.SkipWithError(store.status().ToString().c_str());
    return;
  }
  // 10,000 messages over 100 recipients, appended concurrently so it loads quickly.
  std::atomic<int> left{10000};
  for (int i = 0; i < 10000; ++i) {
    (*store)->Append({Uid(i % 100), "s", UniqueContents()}, [&](Result<uint64_t>) { --left; });
  }
  while (left.load() > 0) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  uint64_t last = (*store)->NextRef() - 1;
  for (auto _ : state) {
    Result<FetchResult> r = (*store)->Fetch("u99", last, 100, 8 << 20);
    benchmark::DoNotOptimize(r);
  }
  state.counters["fetches/s"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
  (void)(*store)->Close();
  std::filesystem::remove_all(dir);
}
BENCHMARK(BM_Fetch);

}  // namespace
}  // namespace otc::relay

BENCHMARK_MAIN();
