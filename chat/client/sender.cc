#include "chat/client/sender.h"

#include "chat/client/command.h"
#include "chat/protocol/pad_left.h"
#include "common/byte_size.h"

namespace otc::client {

Sender::Sender(DeviceApi& device, RelayApi& relay, std::string user, BackoffPolicy policy,
               Sleeper sleep)
    : device_(device),
      relay_(relay),
      user_(std::move(user)),
      policy_(policy),
      sleep_(std::move(sleep)) {}

bool Sender::Retryable(const Status& s) const { return s.code() == Status::Code::kUnavailable; }

SendOutcome Sender::SendOne(const std::string& to, std::string_view text) {
  SendOutcome out;
  out.to = to;
  if (Status s = CheckMessageText(text); !s.ok()) {
    out.status = s;
    return out;
  }

  Backoff device_backoff(policy_);
  Result<PackageResult> pkg = Status::Unavailable("not tried");
  for (int attempt = 0; attempt < policy_.attempts; ++attempt) {
    pkg = device_.Package(to, text);
    if (pkg.ok() || !Retryable(pkg.status())) break;
    if (attempt == 0 && on_retry_) {
      on_retry_(Warning{WarningKind::kDeviceUnreachable, to, pkg.status().message()});
    }
    if (attempt + 1 < policy_.attempts && !sleep_(device_backoff.Next())) break;
  }
  if (!pkg.ok()) {
    // A refusal already says "the device refused: ..."; only a transport error needs
    // to name the device.
    out.status = pkg.status().code() == Status::Code::kUnavailable
                     ? pkg.status().WithContext("cannot reach the device")
                     : pkg.status();
    if (pkg.status().code() == Status::Code::kExhausted) {
      out.warnings.push_back({WarningKind::kPadExhausted, to, ""});
    }
    return out;
  }
  out.pad_spent = true;
  out.index = pkg->index;
  out.pad_left = pkg->pad_left;
  // "Pad below 10%", then "below 1%", once each per contact (transcript.h).
  if (std::optional<Warning> w =
          PadLowWarning(to, pkg->pad_left, pkg->pad_total, pkg->messages_left, &warned_low_[to])) {
    out.warnings.push_back(*w);
  }

  Backoff relay_backoff(policy_);
  Result<uint64_t> ref = Status::Unavailable("not tried");
  for (int attempt = 0; attempt < policy_.attempts; ++attempt) {
    ref = relay_.Send(user_, to, pkg->package_b64);
    if (ref.ok() || !Retryable(ref.status())) break;
    if (attempt == 0 && on_retry_) {
      on_retry_(Warning{WarningKind::kRelayUnreachable, to, ref.status().message()});
    }
    if (attempt + 1 < policy_.attempts && !sleep_(relay_backoff.Next())) break;
  }
  if (!ref.ok()) {
    out.status = ref.status().WithContext("relay");
    return out;
  }
  out.ref = *ref;
  return out;
}

std::vector<SendOutcome> Sender::SendMany(const std::vector<std::string>& to,
                                          std::string_view text) {
  std::vector<SendOutcome> out;
  for (const std::string& peer : to) {
    if (peer == user_) continue;
    out.push_back(SendOne(peer, text));
  }
  return out;
}

}  // namespace otc::client
