// otc recv: print what waits on the relay (and, with --follow, what arrives), for scripts.
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <mutex>
#include <optional>
#include <thread>

#include <nlohmann/json.hpp>

#include "chat/client/app.h"
#include "chat/client/app_outbox.h"
#include "chat/client/app_setup.h"
#include "chat/client/receiver.h"
#include "chat/client/stop_signal.h"
#include "chat/client/transcript.h"
#include "chat/client/utf8.h"
#include "common/encoding.h"
#include "common/secret_buffer.h"

namespace otc::client {

namespace {

// One delivery as the JSON line --json prints. A rollback warning also goes to stderr
// (under out_mu, so it does not interleave with other output).
std::string DeliveryJson(const Delivery& d, std::mutex& out_mu) {
  nlohmann::json j;
  j["from"] = d.from;
  j["ref"] = d.ref;
  j["index"] = d.index ? nlohmann::json(*d.index) : nlohmann::json(nullptr);
  // "time" (the arrival) is kept for scripts written before "received" existed.
  j["time"] = Rfc3339(d.time);
  j["received"] = Rfc3339(d.time);
  std::optional<std::string> sent = d.sent_ms ? Rfc3339FromMs(*d.sent_ms) : std::nullopt;
  j["sent"] = sent ? nlohmann::json(*sent) : nlohmann::json(nullptr);
  if (d.already_read) j["already_read"] = true;
  if (!d.text) {
    j["text"] = nullptr;
  } else if (IsValidUtf8(*d.text)) {
    j["text"] = *d.text;
  } else {
    j["text"] = nullptr;
    j["text_b64"] = Base64Encode(AsBytes(*d.text));
  }
  nlohmann::json w = nlohmann::json::array();
  for (const Warning& x : d.warnings) {
    w.push_back(std::string(WarningCode(x.kind)));
    // Too important for a code in a field only: the person running the script must
    // see what to do.
    if (x.kind == WarningKind::kRollback) {
      std::lock_guard<std::mutex> lock(out_mu);
      std::fprintf(stderr, "%s\n", FormatWarning(x, d.time).c_str());
    }
  }
  j["warnings"] = w;
  return j.dump();
}

}  // namespace

int RunRecv(const CommonFlags& flags, const RecvFlags& recv) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);  // before any thread starts

  auto prepared = Prepare(flags, true);
  if (std::holds_alternative<int>(prepared)) return std::get<int>(prepared);
  std::unique_ptr<Setup> setup = std::move(std::get<std::unique_ptr<Setup>>(prepared));
  auto device = setup->NewDevice();
  auto relay = setup->NewRelay();
  if (!device.ok() || !relay.ok()) {
    PrintError(!device.ok() ? device.status().message() : relay.status().message());
    return kExitUsage;
  }
  // What waits in the outbox goes first (reported on stderr; recv goes on regardless).
  FlushQueuedFirst(*setup, **device, **relay);

  std::mutex out_mu;
  auto print = [&](const std::string& line) {
    std::lock_guard<std::mutex> lock(out_mu);
    std::fwrite(line.data(), 1, line.size(), stdout);
    std::fputc('\n', stdout);
    std::fflush(stdout);
  };

  StopSignal stop;
  std::atomic<bool> gave_up{false};
  BackoffPolicy policy;
  // Without --follow an unreachable device or relay is retried, with backoff, for
  // --retry-for seconds from the first failure, and then recv says it gives up.
  std::optional<std::chrono::steady_clock::time_point> give_up_at;
  Sleeper sleeper = [&](std::chrono::milliseconds d) {
    if (!recv.follow) {
      const auto now = std::chrono::steady_clock::now();
      if (!give_up_at) give_up_at = now + std::chrono::seconds(recv.retry_seconds);
      if (now >= *give_up_at) {
        gave_up = true;
        stop.Stop();
        return false;
      }
      d = std::min(d, std::chrono::duration_cast<std::chrono::milliseconds>(*give_up_at - now));
    }
    return stop.Sleep(d);
  };
  auto report_give_up = [&] {
    PrintError("the device or the relay was unreachable for " + std::to_string(recv.retry_seconds) +
               " s; giving up: check --relay and --device, or run otc recv --follow to keep "
               "trying");
    return kExitUnreachable;
  };

  ReceiverOptions ro;
  ro.user = setup->config.user;
  ro.relay_key = setup->relay.ToString();
  ro.wait_seconds = recv.follow ? recv.wait_seconds : 0;
  ro.backoff = policy;
  ReceiverSink sink;
  sink.on_warning = [&](const Warning& w) {
    std::lock_guard<std::mutex> lock(out_mu);
    std::fprintf(stderr, "%s\n", FormatWarning(w, std::time(nullptr)).c_str());
  };
  sink.on_delivery = [&](Delivery&& d) {
    if (d.control && d.warnings.empty()) return;  // nothing to show (receiver.h)
    if (recv.json) {
      print(DeliveryJson(d, out_mu));
    } else {
      for (const Warning& w : d.warnings) print(FormatWarning(w, d.time));
      if (d.text) print(FormatIncoming(d.from, *d.text, d.time, d.sent_ms));
      if (d.already_read) print(FormatAlreadyRead(d.from, d.time));
    }
    if (d.text) Wipe({reinterpret_cast<uint8_t*>(d.text->data()), d.text->size()});
  };
  Receiver receiver(**device, **relay, ro, sink, sleeper);

  if (!recv.follow) {
    if (!receiver.Start(stop.flag())) return report_give_up();
    while (true) {
      int n = receiver.PollOnce(stop.flag());
      if (n < 0) return gave_up ? report_give_up() : kExitOk;
      if (n == 0) return kExitOk;
    }
  }

  std::thread worker([&] { receiver.Run(stop.flag()); });
  int sig = 0;
  sigwait(&set, &sig);
  stop.Stop();
  receiver.Quiesce();
  std::fflush(stdout);
  std::_Exit(kExitOk);  // the worker may be inside a long-poll; it has been quiesced
  worker.join();
}

}  // namespace otc::client
