// Sending: the device packages, the relay stores. One package per recipient, each with
// that recipient's pad (multi-send and group send are several single sends).
//
// Retries: a device or relay that does not answer (kUnavailable, or the relay's 429) is
// retried with backoff up to BackoffPolicy::attempts. Once the device has packaged, the
// same package is retried on the relay — never packaged again, which would spend pad
// twice. Any other refusal (unknown contact, pad exhausted, denied, too large) is final.
// A send that fails is always returned as failed with its reason: the caller shows it
// (with the text, so nothing typed is lost); it is never silently dropped.
//
// With an outbox (SetOutbox, outbox.h), the package is written to it and fsync'd before
// the first send attempt; if that write fails, nothing is sent (the outbox fails stop).
// Every send first sends what is already queued, oldest first, in the order packaged (so
// one contact's messages arrive in order). A relay still unreachable after the retries
// leaves the message queued (SendOutcome::queued) for a later Flush, and so does an answer
// that does not say whether it was stored (kInternal); a relay refusal (too large,
// invalid) takes it out of the outbox and reports it as failed.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "chat/client/api.h"
#include "chat/client/backoff.h"
#include "chat/client/outbox.h"
#include "chat/client/transcript.h"

namespace otc::client {

struct SendOutcome {
  std::string to;
  Status status;           // ok, or why it was not sent
  bool pad_spent = false;  // the device packaged it (so pad was used even if not delivered)
  uint64_t index = 0;      // pad index of the package
  uint64_t ref = 0;        // relay ref
  uint64_t pad_left = 0;
  std::vector<Warning> warnings;  // pad low, retries that happened
  bool queued = false;            // in the outbox, not yet acknowledged (status says why)
  uint64_t outbox_id = 0;         // its outbox entry, if it has one
  bool outbox_failed = false;     // not sent because the outbox could not be used (status)
};

// What one pass over the outbox did.
struct FlushReport {
  struct Left {
    OutboxEntry entry;  // package_b64 cleared
    Status status;      // ok: acknowledged with `ref`; otherwise refused by the relay for good
    uint64_t ref = 0;
  };
  std::vector<Left> left;   // entries that left the outbox in this pass, in order
  size_t still_queued = 0;  // entries left in the outbox
  Status relay;             // why entries are still queued (the relay is unreachable)
  Status outbox;            // the outbox could not be locked, read or written
  std::string damage;       // notice about a damaged outbox file, "" if none
};

class Sender {
 public:
  Sender(DeviceApi& device, RelayApi& relay, std::string user, BackoffPolicy policy, Sleeper sleep);

  SendOutcome SendOne(const std::string& to, std::string_view text);
  // One package per recipient, in order; the own uid is skipped.
  std::vector<SendOutcome> SendMany(const std::vector<std::string>& to, std::string_view text);

  // Called with a warning as soon as a retry starts (so the UI can say "retrying").
  void SetRetryObserver(std::function<void(const Warning&)> f) { on_retry_ = std::move(f); }

  // Queues every package in `outbox` (not owned) before sending it; `lock_wait` bounds the
  // wait for another process that holds it.
  void SetOutbox(Outbox* outbox, std::chrono::milliseconds lock_wait) {
    outbox_ = outbox;
    lock_wait_ = lock_wait;
  }
  // Called after a send's pass over the outbox with what else happened in it: queued
  // entries of earlier sends that left, and damage found.
  void SetFlushObserver(std::function<void(const FlushReport&)> f) { on_flush_ = std::move(f); }

  // Sends what is queued in the outbox, oldest first, each with up to `attempts` tries.
  FlushReport Flush(int attempts);

 private:
  bool Retryable(const Status& s) const;
  // Stores one package on the relay, retrying an unreachable relay up to `attempts` times.
  Result<uint64_t> StoreOnRelay(const std::string& to, const std::string& package_b64,
                                int attempts);
  Result<PackageResult> PackageWithRetries(const std::string& to, std::string_view text);
  // Records a package in `out`: pad spent, index, and the pad-low warning once per contact.
  void NotePackaged(const PackageResult& pkg, SendOutcome& out);
  // With the outbox locked: sends its entries in order (see Flush).
  void FlushLocked(int attempts, FlushReport& report);
  SendOutcome SendQueued(const std::string& to, std::string_view text);

  DeviceApi& device_;
  RelayApi& relay_;
  std::string user_;
  BackoffPolicy policy_;
  Sleeper sleep_;
  std::map<std::string, PadLowLevel> warned_low_;
  std::function<void(const Warning&)> on_retry_;
  std::function<void(const FlushReport&)> on_flush_;
  Outbox* outbox_ = nullptr;
  std::chrono::milliseconds lock_wait_{0};
};

}  // namespace otc::client
