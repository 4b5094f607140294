// The outbox as the `otc` subcommands use it (outbox.h): where it is, how what left it is
// shown, and the pass that every command talking to the relay makes first. Internal to the
// otc executable.
#pragma once

#include <memory>
#include <string>

#include "chat/client/app_setup.h"
#include "chat/client/backoff.h"
#include "chat/client/sender.h"

namespace otc::client {

// How long a command waits for another otc process of the user that holds the outbox.
inline constexpr std::chrono::seconds kOutboxLockWait{60};

// The user's outbox in the state directory (outbox.h), or an error naming the fix.
Result<std::unique_ptr<Outbox>> OpenUserOutbox(const Setup& setup);

// "sent to bob: queued 2026-12-06T15:00:00Z, pad index 1200, ref 17", or the refusal.
std::string FormatLeft(const FlushReport::Left& left);
// The one line for a message that stays queued.
std::string QueuedLine(const std::string& to, const Status& why);
// The exit code for an outbox that could not be used: 10 if another otc holds it, else 1.
int OutboxExitCode(const Status& s);

// A Sleeper for retries that gives up (returns false) once `limit` has passed since its
// first call; the backoff policy's attempts still apply.
Sleeper RetryForSleeper(std::chrono::seconds limit);

// Sends what is queued before a command uses the relay (one try per message: the command
// itself retries), printing what left and any damage to stderr. Returns false if the
// outbox could not be used (already reported).
bool FlushQueuedFirst(const Setup& setup, DeviceApi& device, RelayApi& relay);

}  // namespace otc::client
