// Device round trips: alice's device packages a message, bob's device unpackages it.
//
//   BM_RpcRoundTrip      POST /v1/package to alice's daemon + POST /v1/unpackage to bob's,
//                        each over its Unix socket (real otc-device processes, --confirm
//                        auto), 1 and 8 client threads. The goal: >= 10,000/s with
//                        8 clients on the 2-core machine.
//   BM_InProcessRoundTrip  baseline: the same two DeviceService calls without HTTP (stores
//                        opened in this process), 1 and 8 threads.
//   BM_HealthRoundTrip   baseline: GET /v1/health over the socket (transport floor).
//
// Stores are made in $OTC_BENCH_DIR (default /dev/shm): every unpackage fsyncs bob's
// journal before it answers, and on this machine's disk an fsync takes ~5 ms, which would
// measure the disk, not the device. Run with OTC_BENCH_DIR=/some/disk/dir to see that.
// OTC_BENCH_PAD_MB sets the pad size per pair (default 256), OTC_BENCH_THREADS the
// daemons' io threads (default 2). Message: 100 bytes, otc2.
#include <benchmark/benchmark.h>
#include <fcntl.h>
#include <openssl/rand.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <mutex>

#include <nlohmann/json.hpp>

#include "chat/device/device_service.h"
#include "common/encoding.h"
#include "common/http/client.h"
#include "padstore/manifest.h"
#include "padstore/store.h"

namespace {

using namespace otc;
// OTC_BENCH_PAD_MB: pad size per pair (default 256 MiB, 128 MiB per direction).
uint64_t PadSize() {
  const char* mb = std::getenv("OTC_BENCH_PAD_MB");
  return (mb ? std::strtoull(mb, nullptr, 10) : 256) << 20;
}
const std::string kMessage(100, 'm');

void Die(const std::string& what) {
  std::cerr << "device_bench: " << what << "\n";
  std::exit(1);
}

// Writes the pad (random) and its manifest.
void WritePad(const std::string& pad_path, const std::string& manifest_path,
              const std::vector<uint8_t>& pad) {
  padstore::Manifest m;
  m.pad_size = pad.size();
  m.chunk_size = 4 << 20;
  for (uint64_t at = 0; at < pad.size(); at += m.chunk_size) {
    m.chunks.push_back(padstore::ChunkDigest(
        {pad.data() + at, std::min<uint64_t>(m.chunk_size, pad.size() - at)}));
  }
  std::ofstream(pad_path, std::ios::binary)
      .write(reinterpret_cast<const char*>(pad.data()), static_cast<std::streamsize>(pad.size()));
  auto bytes = padstore::SerializeManifest(m);
  std::ofstream(manifest_path, std::ios::binary)
      .write(reinterpret_cast<const char*>(bytes.data()),
             static_cast<std::streamsize>(bytes.size()));
}

// Stores <dir>/<a> and <dir>/<b> sharing one pad.
void MakePair(const std::string& dir, const std::string& a, const std::string& b) {
  std::vector<uint8_t> pad(PadSize());
  for (size_t at = 0; at < pad.size(); at += 1 << 20) RAND_bytes(pad.data() + at, 1 << 20);
  for (int side = 0; side < 2; ++side) {
    const std::string& owner = side == 0 ? a : b;
    const std::string& peer = side == 0 ? b : a;
    if (!padstore::Store::Init(dir + "/" + owner, owner).ok()) Die("init " + owner);
    std::string pad_path = dir + "/" + owner + ".pad", manifest = dir + "/" + owner + ".manifest";
    WritePad(pad_path, manifest, pad);
    padstore::ContactSpec spec;
    spec.peer = peer;
    spec.pad_path = pad_path;
    spec.manifest_path = manifest;
    spec.direction = side == 0 ? Direction::kUp : Direction::kDown;
    auto info = padstore::RegisterContact(dir + "/" + owner, owner, spec);
    if (!info.ok()) Die("register: " + info.status().ToString());
  }
}

struct Daemon {
  pid_t pid = -1;
  std::string address;
};

Daemon StartDaemon(const std::string& store) {
  int out[2];
  if (::pipe(out) != 0) Die("pipe");
  // OTC_BENCH_THREADS: the daemons' --threads (io threads), default 2.
  const char* threads = std::getenv("OTC_BENCH_THREADS") ? std::getenv("OTC_BENCH_THREADS") : "2";
  Daemon d;
  d.pid = ::fork();
  if (d.pid == 0) {
    ::dup2(out[1], 1);
    ::close(out[0]);
    int null = ::open("/dev/null", O_WRONLY);
    ::dup2(null, 2);
    ::execl(OTC_DEVICE_BINARY, OTC_DEVICE_BINARY, "serve", "--store", store.c_str(), "--confirm",
            "auto", "--threads", threads, static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ::close(out[1]);
  std::string line;
  char c;
  while (::read(out[0], &c, 1) == 1 && c != '\n') line += c;
  ::close(out[0]);
  if (line.rfind("listening on ", 0) != 0) Die("otc-device serve did not start on " + store);
  d.address = line.substr(13);
  return d;
}

struct World {
  std::string dir;
  Daemon alice, bob;
  std::unique_ptr<device::DeviceService> carol, dave;  // in-process pair
  ~World() {
    for (pid_t pid : {alice.pid, bob.pid}) {
      if (pid > 0) {
        ::kill(pid, SIGTERM);
        ::waitpid(pid, nullptr, 0);
      }
    }
    carol.reset();
    dave.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
};

World* TheWorld() {
  static World* world = [] {
    auto* w = new World;
    const char* base = std::getenv("OTC_BENCH_DIR");
    std::string tmpl = std::string(base ? base : "/dev/shm") + "/otc-device-bench-XXXXXX";
    if (::mkdtemp(tmpl.data()) == nullptr) Die("mkdtemp " + tmpl);
    w->dir = tmpl;
    MakePair(w->dir, "alice", "bob");
    MakePair(w->dir, "carol", "dave");
    w->alice = StartDaemon(w->dir + "/alice");
    w->bob = StartDaemon(w->dir + "/bob");
    for (auto [user, slot] : {std::pair{"carol", &w->carol}, std::pair{"dave", &w->dave}}) {
      device::DeviceOptions options;
      options.confirm = *device::ConfirmPolicy::Parse("auto");
      auto s = device::DeviceService::Open(w->dir + "/" + user, std::move(options));
      if (!s.ok()) Die(s.status().ToString());
      *slot = std::move(*s);
    }
    std::atexit([] { delete TheWorld(); });
    return w;
  }();
  return world;
}

// CPU time (ns) used so far by every thread of a process (/proc/PID/task/*/schedstat).
uint64_t ProcessCpuNs(pid_t pid) {
  uint64_t total = 0;
  std::error_code ec;
  for (const auto& task :
       std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/task", ec)) {
    std::ifstream f(task.path() / "schedstat");
    uint64_t on_cpu = 0;
    if (f >> on_cpu) total += on_cpu;
  }
  return total;
}

uint64_t DaemonCpuNs(World* w) { return ProcessCpuNs(w->alice.pid) + ProcessCpuNs(w->bob.pid); }

std::unique_ptr<http::Client> Connect(const std::string& address) {
  auto c = http::Client::Connect(address);
  if (!c.ok()) Die(c.status().ToString());
  return std::move(*c);
}

void BM_RpcRoundTrip(benchmark::State& state) {
  World* w = TheWorld();
  auto alice = Connect(w->alice.address);
  auto bob = Connect(w->bob.address);
  const std::string request = nlohmann::json{{"to", "bob"}, {"message", kMessage}}.dump();
  uint64_t cpu_before = state.thread_index() == 0 ? DaemonCpuNs(w) : 0;
  for (auto _ : state) {
    auto p = alice->Post("/v1/package", request, "application/json");
    if (!p.ok() || p->result_int() != 200) {
      state.SkipWithError("package failed");
      break;
    }
    auto package = nlohmann::json::parse(p->body())["package"].get<std::string>();
    auto u =
        bob->Post("/v1/unpackage", nlohmann::json{{"from", "alice"}, {"package", package}}.dump(),
                  "application/json");
    if (!u.ok() || u->result_int() != 200) {
      state.SkipWithError("unpackage failed");
      break;
    }
    benchmark::DoNotOptimize(u->body());
  }
  state.counters["round_trips/s"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
  if (state.thread_index() == 0) {
    // Both daemons' CPU time per round trip (all their threads): what the device costs
    // whatever else the machine is running.
    const double total = static_cast<double>(state.iterations()) * state.threads();
    state.counters["daemon_cpu_us"] =
        static_cast<double>(DaemonCpuNs(w) - cpu_before) / 1e3 / total;
  }
}
BENCHMARK(BM_RpcRoundTrip)->Threads(1)->Threads(8)->UseRealTime();

void BM_InProcessRoundTrip(benchmark::State& state) {
  World* w = TheWorld();
  for (auto _ : state) {
    auto p = w->carol->Package("dave", AsBytes(kMessage));
    if (!p.ok()) {
      state.SkipWithError("package failed");
      break;
    }
    auto u = w->dave->Unpackage("carol", p->package);
    if (!u.ok()) {
      state.SkipWithError("unpackage failed");
      break;
    }
    benchmark::DoNotOptimize(u->plaintext.data());
  }
  state.counters["round_trips/s"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_InProcessRoundTrip)->Threads(1)->Threads(8)->UseRealTime();

void BM_HealthRoundTrip(benchmark::State& state) {
  World* w = TheWorld();
  auto alice = Connect(w->alice.address);
  for (auto _ : state) {
    auto r = alice->Get("/v1/health");
    if (!r.ok()) {
      state.SkipWithError("health failed");
      break;
    }
  }
  state.counters["requests/s"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_HealthRoundTrip)->Threads(1)->Threads(8)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
