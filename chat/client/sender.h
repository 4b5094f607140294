// Sending: the device packages, the relay stores. One package per recipient, each with
// that recipient's pad (multi-send and group send are several single sends).
//
// Retries: a device or relay that does not answer (kUnavailable, or the relay's 429) is
// retried with backoff up to BackoffPolicy::attempts. Once the device has packaged, the
// same package is retried on the relay — never packaged again, which would spend pad
// twice. Any other refusal (unknown contact, pad exhausted, denied, too large) is final.
// A send that fails is always returned as failed with its reason: the caller shows it
// (with the text, so nothing typed is lost); it is never silently dropped.
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
};

class Sender {
 public:
  Sender(DeviceApi& device, RelayApi& relay, std::string user, BackoffPolicy policy, Sleeper sleep);

  SendOutcome SendOne(const std::string& to, std::string_view text);
  // One package per recipient, in order; the own uid is skipped.
  std::vector<SendOutcome> SendMany(const std::vector<std::string>& to, std::string_view text);

  // Called with a warning as soon as a retry starts (so the UI can say "retrying").
  void SetRetryObserver(std::function<void(const Warning&)> f) { on_retry_ = std::move(f); }

 private:
  bool Retryable(const Status& s) const;

  DeviceApi& device_;
  RelayApi& relay_;
  std::string user_;
  BackoffPolicy policy_;
  Sleeper sleep_;
  std::map<std::string, PadLowLevel> warned_low_;
  std::function<void(const Warning&)> on_retry_;
};

}  // namespace otc::client
