// otc flush: send what is queued in the outbox (outbox.h), oldest first, then exit.
//
// Exit codes: 0 nothing is left queued; 75 messages stay queued (the relay could not be
// reached after the retries); 14 the outbox was damaged (its intact messages were still
// sent; the damaged file is kept aside and named); 12 the relay refused a message for good;
// 10 another otc holds the outbox; 1 the outbox could not be read or written. When several
// apply, the first in this order (1/10, 14, 75, 12) wins.
#include <cstdio>
#include <ctime>

#include <nlohmann/json.hpp>

#include "chat/client/app.h"
#include "chat/client/app_outbox.h"
#include "chat/client/app_setup.h"
#include "chat/client/sender.h"
#include "chat/client/transcript.h"

namespace otc::client {

namespace {

int FlushExitCode(const FlushReport& r) {
  if (!r.outbox.ok()) return OutboxExitCode(r.outbox);
  if (!r.damage.empty()) return cli::kExitDamaged;
  if (r.still_queued > 0) return cli::kExitQueued;
  for (const FlushReport::Left& l : r.left) {
    if (!l.status.ok()) return cli::kExitRelayRefused;
  }
  return kExitOk;
}

nlohmann::json Summary(const FlushReport& r) {
  nlohmann::json messages = nlohmann::json::array();
  size_t sent = 0;
  for (const FlushReport::Left& l : r.left) {
    nlohmann::json m = {{"to", l.entry.to},
                        {"index", l.entry.index},
                        {"queued_unix", l.entry.queued_unix},
                        {"sent", l.status.ok()}};
    if (l.status.ok()) {
      m["ref"] = l.ref;
      ++sent;
    } else {
      m["message"] = l.status.message();
    }
    messages.push_back(m);
  }
  nlohmann::json j = {
      {"sent", sent},
      {"refused", r.left.size() - sent},
      {"queued", r.still_queued},
      {"messages", messages},
      {"damaged", r.damage.empty() ? nlohmann::json(nullptr) : nlohmann::json(r.damage)}};
  if (!r.relay.ok()) j["relay"] = r.relay.message();
  if (!r.outbox.ok()) j["outbox"] = r.outbox.message();
  return j;
}

}  // namespace

int RunFlush(const CommonFlags& flags, const FlushFlags& flush) {
  // The device is not needed: the packages are already made.
  auto prepared = Prepare(flags, false);
  if (std::holds_alternative<int>(prepared)) return std::get<int>(prepared);
  std::unique_ptr<Setup> setup = std::move(std::get<std::unique_ptr<Setup>>(prepared));
  auto device = setup->NewDevice();
  auto relay = setup->NewRelay();
  if (!device.ok() || !relay.ok()) {
    return Fail(kExitUsage, !device.ok() ? device.status().message() : relay.status().message());
  }
  Result<std::unique_ptr<Outbox>> outbox = OpenUserOutbox(*setup);
  if (!outbox.ok()) return Fail(kExitUsage, outbox.status().message());

  Sender sender(**device, **relay, setup->config.user, BackoffPolicy{},
                RetryForSleeper(std::chrono::seconds(flush.retry_seconds)));
  sender.SetOutbox(outbox->get(), kOutboxLockWait);
  if (!flush.json) {
    sender.SetRetryObserver([](const Warning& w) {
      std::fprintf(stderr, "%s\n", FormatWarning(w, std::time(nullptr)).c_str());
    });
  }
  FlushReport r = sender.Flush(BackoffPolicy{}.attempts);
  if (flush.json) {
    std::printf("%s\n", Summary(r).dump().c_str());
  } else {
    for (const FlushReport::Left& l : r.left) std::printf("%s\n", FormatLeft(l).c_str());
    if (!r.damage.empty()) PrintError(r.damage);
    if (!r.outbox.ok()) PrintError(r.outbox.message());
    if (r.still_queued > 0) {
      PrintError(std::to_string(r.still_queued) + " message(s) still queued in " +
                 (*outbox)->path() + " (" + r.relay.message() +
                 "); run otc flush again when the relay is reachable");
    } else if (r.left.empty() && r.outbox.ok()) {
      std::printf("nothing queued\n");
    }
  }
  std::fflush(stdout);
  return FlushExitCode(r);
}

}  // namespace otc::client
