// Chat latency: from alice's send to the moment bob's client displays the message.
//
// Real processes on loopback (Unix sockets): padgen-made pads, otc-relay, two otc-device
// daemons (--confirm auto), and bob's real client `otc recv --follow --json` whose stdout
// is a pipe read here. alice's side runs in this process with the client library exactly
// as `otc send` does (device package, then relay send), without the process start-up.
// One message in flight at a time; the clock starts before alice's package request and
// stops when bob's line for that message is read.
//
// Baseline, measured in the same run: the relay alone (no device, no client process): a
// reader thread long-polls /getmessages (and acks) continuously, as bob's client does;
// the clock runs from the send to the reader getting the message back.
//
// The otc path is measured twice in the same run, N messages each: first with the sender
// alone (as before the outbox), then with alice's outbox in the path (outbox.h), as `otc
// send` and `otc chat` run now.
//
// Usage: chat_latency [--messages N] (default 1000). Prints median, p90, p99, max (ms).
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "chat/client/device_client.h"
#include "chat/client/outbox.h"
#include "chat/client/relay_client.h"
#include "chat/client/sender.h"
#include "common/encoding.h"
#include "tests/e2e/cluster.h"

extern char** environ;

using Clock = std::chrono::steady_clock;
using otc::client::Endpoint;

namespace {

struct Stats {
  double median, p90, p99, max;
};

Stats Summarize(std::vector<double> ms) {
  std::sort(ms.begin(), ms.end());
  auto at = [&](double q) {
    size_t i = static_cast<size_t>(q * static_cast<double>(ms.size() - 1) + 0.5);
    return ms[std::min(i, ms.size() - 1)];
  };
  return {at(0.5), at(0.9), at(0.99), ms.back()};
}

// bob's `otc recv --follow --json` with its stdout on a pipe.
struct Reader {
  pid_t pid = -1;
  int fd = -1;
  std::string buffer;

  bool Start(const std::vector<std::string>& argv, const std::string& err_path) {
    int p[2];
    if (pipe(p) != 0) return false;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, p[1], 1);
    posix_spawn_file_actions_addclose(&fa, p[0]);
    posix_spawn_file_actions_addopen(&fa, 2, err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    std::vector<std::string> args = argv;
    std::vector<char*> a;
    for (auto& s : args) a.push_back(s.data());
    a.push_back(nullptr);
    int rc = posix_spawn(&pid, a[0], &fa, nullptr, a.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
    close(p[1]);
    fd = p[0];
    return rc == 0;
  }
  // Reads until a line containing `needle`; false on timeout.
  bool WaitFor(const std::string& needle, std::chrono::milliseconds timeout) {
    auto deadline = Clock::now() + timeout;
    while (true) {
      size_t nl;
      while ((nl = buffer.find('\n')) != std::string::npos) {
        std::string line = buffer.substr(0, nl);
        buffer.erase(0, nl + 1);
        if (line.find(needle) != std::string::npos) return true;
      }
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
      if (left.count() <= 0) return false;
      pollfd pf{fd, POLLIN, 0};
      if (poll(&pf, 1, static_cast<int>(left.count())) <= 0) continue;
      char buf[4096];
      ssize_t n = read(fd, buf, sizeof buf);
      if (n <= 0) return false;
      buffer.append(buf, static_cast<size_t>(n));
    }
  }
  ~Reader() {
    if (pid > 0) {
      kill(pid, SIGTERM);
      int st;
      waitpid(pid, &st, 0);
    }
    if (fd >= 0) close(fd);
  }
};

void Print(const char* name, const Stats& s, int n) {
  std::printf("%-44s n=%d  median %.2f ms  p90 %.2f ms  p99 %.2f ms  max %.2f ms\n", name, n,
              s.median, s.p90, s.p99, s.max);
}

}  // namespace

int main(int argc, char** argv) {
  int n = 1000;
  for (int i = 1; i + 1 < argc; ++i) {
    if (std::strcmp(argv[i], "--messages") == 0) n = std::atoi(argv[i + 1]);
  }
  if (n < 1) n = 1;
  otc::e2e::Cluster c(otc::e2e::Pairs{{"alice", "bob"}}, "16M");
  if (!c.error().empty() || !c.StartAll()) {
    std::fprintf(stderr, "chat_latency: setup failed: %s\n", c.error().c_str());
    return 1;
  }
  Endpoint relay_ep = *otc::client::ParseEndpoint("unix:" + c.RelaySocket(), "relay");
  Endpoint alice_ep = *otc::client::ParseEndpoint("unix:" + c.DeviceSocket("alice"), "device");

  // Baseline: relay only. A long-polling reader (like bob's client, but in-process and
  // without a device) and a sender; one message in flight at a time.
  std::vector<double> base;
  {
    auto sender = otc::client::HttpRelayClient::Create(relay_ep);
    auto poller = otc::client::HttpRelayClient::Create(relay_ep);
    std::mutex mu;
    std::condition_variable cv;
    std::vector<Clock::time_point> arrived(static_cast<size_t>(n));
    std::vector<bool> seen(static_cast<size_t>(n), false);
    std::atomic<bool> stop{false};
    std::thread reader([&] {
      uint64_t next = 0;
      while (!stop) {
        auto r = (*poller)->GetMessages("zed", next, 100, 1);
        if (!r.ok()) continue;
        auto now = Clock::now();
        for (const auto& m : *r) {
          auto bytes = otc::Base64Decode(m.contents);
          int i = bytes.ok() ? std::atoi(std::string(bytes->begin(), bytes->end()).c_str()) : -1;
          std::lock_guard<std::mutex> lock(mu);
          if (i >= 0 && i < n) {
            arrived[static_cast<size_t>(i)] = now;
            seen[static_cast<size_t>(i)] = true;
          }
          next = m.ref + 1;
        }
        if (!r->empty()) (void)(*poller)->Ack("zed", next - 1);
        cv.notify_all();
      }
    });
    for (int i = 0; i < n; ++i) {
      std::string probe = std::to_string(i);
      auto t0 = Clock::now();
      auto sent = (*sender)->Send("yan", "zed", otc::Base64Encode(otc::AsBytes(probe)));
      std::unique_lock<std::mutex> lock(mu);
      bool ok = sent.ok() && cv.wait_for(lock, std::chrono::seconds(30),
                                         [&] { return seen[static_cast<size_t>(i)]; });
      if (!ok) {
        std::fprintf(stderr, "chat_latency: baseline round %d failed\n", i);
        return 1;
      }
      base.push_back(
          std::chrono::duration<double, std::milli>(arrived[static_cast<size_t>(i)] - t0).count());
    }
    stop = true;
    reader.join();
  }

  // otc: alice's send to bob's display.
  Reader bob;
  if (!bob.Start(c.OtcArgs("recv", "bob", {"--follow", "--json"}), c.dir() + "/bob.err")) {
    std::fprintf(stderr, "chat_latency: cannot start bob's client\n");
    return 1;
  }
  auto device = otc::client::HttpDeviceClient::Create(alice_ep, "");
  auto relay = otc::client::HttpRelayClient::Create(relay_ep);
  otc::client::Sender alice(**device, **relay, "alice", otc::client::BackoffPolicy{},
                            [](std::chrono::milliseconds d) {
                              std::this_thread::sleep_for(d);
                              return true;
                            });
  int retries = 0;
  alice.SetRetryObserver([&](const otc::client::Warning& w) {
    ++retries;
    std::fprintf(stderr, "chat_latency: alice retried: %s\n",
                 otc::client::FormatWarning(w, std::time(nullptr)).c_str());
  });
  // Warm-up: bob's client is up and long-polling once this arrives.
  if (!alice.SendOne("bob", "warm-up").status.ok() ||
      !bob.WaitFor("\"warm-up\"", std::chrono::seconds(30))) {
    std::fprintf(stderr, "chat_latency: warm-up message not seen\n");
    return 1;
  }
  struct Phase {
    std::vector<double> lat, send_part, recv_part;
  };
  // Without the outbox (the sender as it was before it existed), then with it, as `otc
  // send` and `otc chat` run now: queued and fsync'd before the relay send, marked done
  // after it, compacted when nothing is left.
  auto run_phase = [&](const std::string& tag, Phase& p) {
    for (int i = 0; i < n; ++i) {
      std::string text = "latency probe " + tag + std::to_string(i);
      auto t0 = Clock::now();
      otc::client::SendOutcome o = alice.SendOne("bob", text);
      auto t_sent = Clock::now();
      if (!o.status.ok()) {
        std::fprintf(stderr, "chat_latency: send %d failed: %s\n", i, o.status.ToString().c_str());
        return false;
      }
      if (!bob.WaitFor("\"" + text + "\"", std::chrono::seconds(30))) {
        std::fprintf(stderr, "chat_latency: message %d not displayed\n", i);
        return false;
      }
      auto t1 = Clock::now();
      p.lat.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
      p.send_part.push_back(std::chrono::duration<double, std::milli>(t_sent - t0).count());
      p.recv_part.push_back(std::chrono::duration<double, std::milli>(t1 - t_sent).count());
    }
    return true;
  };
  Phase plain, queued;
  if (!run_phase("a", plain)) return 1;
  otc::client::Outbox outbox(*otc::Env::Default(), c.Outbox("alice"));
  alice.SetOutbox(&outbox, std::chrono::seconds(60));
  if (!run_phase("b", queued)) return 1;
  std::string bob_err = otc::e2e::ReadFile(c.dir() + "/bob.err");
  if (!bob_err.empty()) std::fprintf(stderr, "bob's client said:\n%s", bob_err.c_str());
  Stats b = Summarize(base);
  Stats s0 = Summarize(plain.lat);
  Stats s = Summarize(queued.lat);
  Print("baseline: relay send -> long-poll wake-up", b, n);
  Print("otc without outbox: alice send -> bob's client displays it", s0, n);
  Print("  of which alice: device package + relay store", Summarize(plain.send_part), n);
  Print("  of which bob: wake-up, device unpackage, print", Summarize(plain.recv_part), n);
  Print("otc with outbox: alice send -> bob's client displays it", s, n);
  Print("  of which alice: package + outbox fsync + relay store + done",
        Summarize(queued.send_part), n);
  Print("  of which bob: wake-up, device unpackage, print", Summarize(queued.recv_part), n);
  std::printf("retries by alice's client: %d\n", retries);
  std::printf("ratio to baseline (with outbox): median %.1fx, p99 %.1fx; goal median < 50 ms: %s\n",
              s.median / b.median, s.p99 / b.p99, s.median < 50 ? "met" : "NOT met");
  std::printf("outbox cost: median %.1fx, p99 %.1fx of the send without it\n", s.median / s0.median,
              s.p99 / s0.p99);
  return 0;
}
