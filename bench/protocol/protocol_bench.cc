// Package + unpackage pairs for otc1 and otc2 (100 B, 1 KiB, 64 KiB), and the MAC
// baselines they are compared with in docs/BENCHMARKS.md: one Poly1305 / HMAC-SHA256 over
// the same bytes through OpenSSL EVP_MAC with a reused context (the floor: a pair needs
// two MACs), and the same MAC with a fresh EVP_MAC_fetch per message (what a naive
// implementation pays).
//
//   build/bench/protocol/protocol_bench --benchmark_min_time=0.5
#include <benchmark/benchmark.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>

#include <cstdlib>
#include <vector>

#include "chat/protocol/protocol.h"

namespace otc::protocol {
namespace {

std::vector<uint8_t> Filled(size_t n, uint8_t seed) {
  std::vector<uint8_t> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = static_cast<uint8_t>(i * 131 + seed);
  return v;
}

void PackageUnpackage(benchmark::State& state, Format format, bool hide, Direction direction) {
  const size_t m = static_cast<size_t>(state.range(0));
  Options options;
  options.hide_length = hide;
  const auto message = Filled(m, 1);
  const uint64_t cost = *PadCost(format, m, options);
  const auto pad = Filled(cost, 7);
  const uint64_t index = direction == Direction::kUp ? 0 : cost - 1;
  for (auto _ : state) {
    MemoryPadStream send(pad, index, direction);
    auto package = Package(format, message, index, direction, send, options);
    if (!package.ok()) {
      state.SkipWithError(package.status().ToString().c_str());
      break;
    }
    auto header = ParsePackageHeader(format, *package, options);
    if (!header.ok()) {
      state.SkipWithError(header.status().ToString().c_str());
      break;
    }
    MemoryPadStream recv(pad, header->index, direction);
    auto plain = Unpackage(format, *package, direction, recv, options);
    if (!plain.ok() || plain->size() != m) {
      state.SkipWithError("round trip failed");
      break;
    }
    benchmark::DoNotOptimize(plain->data());
  }
  state.counters["msgs/s"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
  state.counters["pad_B/msg"] = static_cast<double>(cost);
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * m));
}

void BM_Otc1(benchmark::State& s) { PackageUnpackage(s, Format::kOtc1, false, Direction::kUp); }
void BM_Otc1Backward(benchmark::State& s) {
  PackageUnpackage(s, Format::kOtc1, false, Direction::kDown);
}
void BM_Otc2(benchmark::State& s) { PackageUnpackage(s, Format::kOtc2, false, Direction::kUp); }
void BM_Otc2Backward(benchmark::State& s) {
  PackageUnpackage(s, Format::kOtc2, false, Direction::kDown);
}
void BM_Otc2Hidden(benchmark::State& s) {
  PackageUnpackage(s, Format::kOtc2, true, Direction::kUp);
}

BENCHMARK(BM_Otc1)->Arg(100)->Arg(1024)->Arg(65536);
BENCHMARK(BM_Otc1Backward)->Arg(100)->Arg(1024)->Arg(65536);
BENCHMARK(BM_Otc2)->Arg(100)->Arg(1024)->Arg(65536);
BENCHMARK(BM_Otc2Backward)->Arg(100)->Arg(1024)->Arg(65536);
BENCHMARK(BM_Otc2Hidden)->Arg(100)->Arg(1024)->Arg(65536);

// ---- Baselines: one MAC over a message-sized input ----

EVP_MAC_CTX* NewCtx(const char* name) {
  EVP_MAC* mac = EVP_MAC_fetch(nullptr, name, nullptr);
  EVP_MAC_CTX* ctx = EVP_MAC_CTX_new(mac);
  EVP_MAC_free(mac);
  if (std::string_view(name) == "HMAC") {
    char digest[] = "SHA256";
    OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
                           OSSL_PARAM_construct_end()};
    EVP_MAC_CTX_set_params(ctx, params);
  }
  return ctx;
}

void MacReused(benchmark::State& state, const char* name, size_t key_len) {
  const auto input = Filled(static_cast<size_t>(state.range(0)), 3);
  const auto key = Filled(key_len, 9);
  EVP_MAC_CTX* ctx = NewCtx(name);
  uint8_t tag[32];
  for (auto _ : state) {
    size_t out = 0;
    if (EVP_MAC_init(ctx, key.data(), key.size(), nullptr) != 1 ||
        EVP_MAC_update(ctx, input.data(), input.size()) != 1 ||
        EVP_MAC_final(ctx, tag, &out, sizeof tag) != 1) {
      state.SkipWithError("EVP_MAC failed");
      break;
    }
    benchmark::DoNotOptimize(tag);
  }
  EVP_MAC_CTX_free(ctx);
  state.counters["macs/s"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}

void MacFetchEachTime(benchmark::State& state, const char* name, size_t key_len) {
  const auto input = Filled(static_cast<size_t>(state.range(0)), 3);
  const auto key = Filled(key_len, 9);
  uint8_t tag[32];
  for (auto _ : state) {
    EVP_MAC_CTX* ctx = NewCtx(name);
    size_t out = 0;
    EVP_MAC_init(ctx, key.data(), key.size(), nullptr);
    EVP_MAC_update(ctx, input.data(), input.size());
    EVP_MAC_final(ctx, tag, &out, sizeof tag);
    EVP_MAC_CTX_free(ctx);
    benchmark::DoNotOptimize(tag);
  }
  state.counters["macs/s"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}

void BM_BaselinePoly1305(benchmark::State& s) { MacReused(s, "POLY1305", 32); }
void BM_BaselineHmacSha256(benchmark::State& s) { MacReused(s, "HMAC", 16); }
void BM_NaivePoly1305FetchPerMessage(benchmark::State& s) { MacFetchEachTime(s, "POLY1305", 32); }
void BM_NaiveHmacSha256FetchPerMessage(benchmark::State& s) { MacFetchEachTime(s, "HMAC", 16); }

// Input sizes: the bytes a 100 B message's tag covers (otc2: 14 + 100; otc1: 6 + 100).
BENCHMARK(BM_BaselinePoly1305)->Arg(114);
BENCHMARK(BM_BaselineHmacSha256)->Arg(106);
BENCHMARK(BM_NaivePoly1305FetchPerMessage)->Arg(114);
BENCHMARK(BM_NaiveHmacSha256FetchPerMessage)->Arg(106);

}  // namespace
}  // namespace otc::protocol

BENCHMARK_MAIN();
