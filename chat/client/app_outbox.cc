#include "chat/client/app_outbox.h"

#include <cstdio>
#include <ctime>
#include <optional>
#include <thread>

#include "chat/client/stop_signal.h"
#include "chat/client/transcript.h"

namespace otc::client {

Result<std::unique_ptr<Outbox>> OpenUserOutbox(const Setup& setup) {
  Result<std::string> dir = ResolveStateDir(ProcessEnv());
  if (!dir.ok()) return dir.status();
  return std::make_unique<Outbox>(*Env::Default(), OutboxPath(*dir, setup.config.user));
}

std::string FormatLeft(const FlushReport::Left& l) {
  std::string when =
      "queued " + Rfc3339(static_cast<std::time_t>(l.entry.queued_unix)) + ", pad index " + std::to_string(l.entry.index);
  if (l.status.ok()) {
    return "sent to " + l.entry.to + ": " + when + ", ref " + std::to_string(l.ref);
  }
  return "NOT SENT to " + l.entry.to + " (" + when + "): " + l.status.message() +
         "; its pad is used up";
}

std::string QueuedLine(const std::string& to, const Status& why) {
  return "queued for " + to + ": " + why.message() +
         "; it is sent by the next otc command that reaches the relay, or run otc flush";
}

int OutboxExitCode(const Status& s) {
  return s.code() == Status::Code::kBusy ? cli::kExitInUse : kExitInternal;
}

Sleeper RetryForSleeper(std::chrono::seconds limit) {
  using Clock = std::chrono::steady_clock;
  auto give_up_at = std::make_shared<std::optional<Clock::time_point>>();
  return [limit, give_up_at](std::chrono::milliseconds d) {
    const auto now = Clock::now();
    if (!*give_up_at) *give_up_at = now + limit;
    if (now >= **give_up_at) return false;
    std::this_thread::sleep_for(
        std::min(d, std::chrono::duration_cast<std::chrono::milliseconds>(**give_up_at - now)));
    return true;
  };
}

bool FlushQueuedFirst(const Setup& setup, DeviceApi& device, RelayApi& relay) {
  Result<std::unique_ptr<Outbox>> outbox = OpenUserOutbox(setup);
  if (!outbox.ok()) {
    PrintError(outbox.status().message());
    return false;
  }
  StopSignal never;
  Sender sender(device, relay, setup.config.user, BackoffPolicy{}, never.AsSleeper());
  sender.SetOutbox(outbox->get(), kOutboxLockWait);
  FlushReport r = sender.Flush(1);
  if (!r.damage.empty()) PrintError(r.damage);
  for (const FlushReport::Left& l : r.left) PrintError(FormatLeft(l));
  if (!r.outbox.ok()) {
    PrintError(r.outbox.message());
    return false;
  }
  if (r.still_queued > 0) {
    PrintError(std::to_string(r.still_queued) + " queued message(s) not sent yet (" +
               r.relay.message() + "); run otc flush when the relay is reachable");
  }
  return true;
}

}  // namespace otc::client
