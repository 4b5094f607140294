#include "chat/client/sender.h"

#include <ctime>

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

Result<PackageResult> Sender::PackageWithRetries(const std::string& to, std::string_view text) {
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
  if (pkg.ok()) return pkg;
  // A refusal already says "the device refused: ..."; only a transport error needs to
  // name the device.
  return pkg.status().code() == Status::Code::kUnavailable
             ? pkg.status().WithContext("cannot reach the device")
             : pkg.status();
}

Result<uint64_t> Sender::StoreOnRelay(const std::string& to, const std::string& package_b64,
                                      int attempts) {
  Backoff relay_backoff(policy_);
  Result<uint64_t> ref = Status::Unavailable("not tried");
  for (int attempt = 0; attempt < attempts; ++attempt) {
    ref = relay_.Send(user_, to, package_b64);
    if (ref.ok() || !Retryable(ref.status())) break;
    if (attempt == 0 && on_retry_) {
      on_retry_(Warning{WarningKind::kRelayUnreachable, to, ref.status().message()});
    }
    if (attempt + 1 < attempts && !sleep_(relay_backoff.Next())) break;
  }
  if (!ref.ok()) return ref.status().WithContext("relay");
  return ref;
}

void Sender::NotePackaged(const PackageResult& pkg, SendOutcome& out) {
  out.pad_spent = true;
  out.index = pkg.index;
  out.pad_left = pkg.pad_left;
  // "Pad below 10%", then "below 1%", once each per contact (transcript.h).
  if (std::optional<Warning> w = PadLowWarning(out.to, pkg.pad_left, pkg.pad_total,
                                               pkg.messages_left, &warned_low_[out.to])) {
    out.warnings.push_back(*w);
  }
}

SendOutcome Sender::SendOne(const std::string& to, std::string_view text) {
  SendOutcome out;
  out.to = to;
  if (Status s = CheckMessageText(text); !s.ok()) {
    out.status = s;
    return out;
  }
  if (outbox_) return SendQueued(to, text);

  Result<PackageResult> pkg = PackageWithRetries(to, text);
  if (!pkg.ok()) {
    out.status = pkg.status();
    if (pkg.status().code() == Status::Code::kExhausted) {
      out.warnings.push_back({WarningKind::kPadExhausted, to, ""});
    }
    return out;
  }
  NotePackaged(*pkg, out);
  Result<uint64_t> ref = StoreOnRelay(to, pkg->package_b64, policy_.attempts);
  if (!ref.ok()) {
    out.status = ref.status();
    return out;
  }
  out.ref = *ref;
  return out;
}

SendOutcome Sender::SendQueued(const std::string& to, std::string_view text) {
  SendOutcome out;
  out.to = to;
  // Held from packaging to the end of the pass: entries are appended in pad order, and no
  // other process sends this user's queue meanwhile.
  Result<std::unique_ptr<FileLock>> lock = outbox_->Lock(lock_wait_);
  if (!lock.ok()) {
    out.status = lock.status().WithContext("nothing sent, no pad used");
    out.outbox_failed = true;
    return out;
  }
  FlushReport report;
  Result<std::vector<OutboxEntry>> before = outbox_->Load(&report.damage);
  if (!before.ok()) {
    out.status = before.status().WithContext("nothing sent, no pad used");
    out.outbox_failed = true;
    return out;
  }
  Result<PackageResult> pkg = PackageWithRetries(to, text);
  if (!pkg.ok()) {
    out.status = pkg.status();
    if (pkg.status().code() == Status::Code::kExhausted) {
      out.warnings.push_back({WarningKind::kPadExhausted, to, ""});
    }
    if (on_flush_ && !report.damage.empty()) on_flush_(report);
    return out;
  }
  NotePackaged(*pkg, out);
  OutboxEntry entry;
  entry.to = to;
  entry.index = pkg->index;
  entry.queued_unix = std::time(nullptr);
  entry.package_b64 = std::move(pkg->package_b64);
  if (Status s = outbox_->Append(entry); !s.ok()) {
    // Never send what is not safely queued: a crash could then deliver it twice or lose
    // track of it.
    out.status = s.WithContext("not sent, because it could not be queued");
    out.outbox_failed = true;
    if (on_flush_ && !report.damage.empty()) on_flush_(report);
    return out;
  }
  out.outbox_id = entry.id;
  FlushLocked(policy_.attempts, report);
  FlushReport others = report;
  std::erase_if(others.left, [&](const FlushReport::Left& l) { return l.entry.id == entry.id; });
  for (const FlushReport::Left& l : report.left) {
    if (l.entry.id != entry.id) continue;
    out.status = l.status;
    out.ref = l.ref;
    if (on_flush_ && (!others.left.empty() || !others.damage.empty())) on_flush_(others);
    return out;
  }
  // Still in the outbox.
  out.queued = true;
  out.outbox_failed = !report.outbox.ok();
  out.status = !report.outbox.ok() ? report.outbox : report.relay;
  if (out.status.ok()) out.status = Status::Unavailable("relay: not tried");
  if (on_flush_ && (!others.left.empty() || !others.damage.empty())) on_flush_(others);
  return out;
}

FlushReport Sender::Flush(int attempts) {
  FlushReport report;
  if (!outbox_) return report;
  Result<std::unique_ptr<FileLock>> lock = outbox_->Lock(lock_wait_);
  if (!lock.ok()) {
    report.outbox = lock.status();
    return report;
  }
  FlushLocked(attempts, report);
  return report;
}

void Sender::FlushLocked(int attempts, FlushReport& report) {
  Result<std::vector<OutboxEntry>> pending = outbox_->Load(&report.damage);
  if (!pending.ok()) {
    report.outbox = pending.status();
    return;
  }
  size_t i = 0;
  for (; i < pending->size(); ++i) {
    OutboxEntry& e = (*pending)[i];
    Result<uint64_t> ref = StoreOnRelay(e.to, e.package_b64, attempts);
    // Unreachable, or an answer that does not say whether the relay stored it: this entry
    // and every later one stay queued, in order (a resend is harmless: idempotent send).
    if (!ref.ok() && (Retryable(ref.status()) || ref.status().code() == Status::Code::kInternal)) {
      report.relay = ref.status();
      break;
    }
    if (Status s = outbox_->MarkDone(e.id, ref.ok() ? *ref : 0); !s.ok()) {
      report.outbox = s;
      break;
    }
    e.package_b64.clear();
    report.left.push_back(
        {std::move(e), ref.ok() ? Status::Ok() : ref.status(), ref.ok() ? *ref : 0});
  }
  report.still_queued = pending->size() - report.left.size();
  if (report.outbox.ok() && !report.left.empty()) {
    if (Status s = outbox_->Compact(); !s.ok()) report.outbox = s;
  }
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
