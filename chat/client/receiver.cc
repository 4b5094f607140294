#include "chat/client/receiver.h"

#include <algorithm>

#include "chat/client/names.h"
#include "common/secret_buffer.h"

namespace otc::client {

namespace {

// Whether a device error on unpackage is about this package (discard it with a warning)
// rather than about the device (retry).
std::optional<WarningKind> DiscardKind(Status::Code code) {
  switch (code) {
    case Status::Code::kReplay:
      return WarningKind::kReplay;
    case Status::Code::kIntegrity:
      return WarningKind::kIntegrity;
    case Status::Code::kInvalidArgument:
    case Status::Code::kTooLarge:
    case Status::Code::kUnsupported:
    case Status::Code::kCorruption:
    case Status::Code::kExhausted:
      return WarningKind::kMalformed;
    case Status::Code::kNotFound:
      return WarningKind::kUnknownContact;
    case Status::Code::kDenied:
      return WarningKind::kDenied;
    default:
      return std::nullopt;
  }
}

}  // namespace

Receiver::Receiver(DeviceApi& device, RelayApi& relay, ReceiverOptions options, ReceiverSink sink,
                   Sleeper sleep)
    : device_(device),
      relay_(relay),
      options_(std::move(options)),
      sink_(std::move(sink)),
      sleep_(std::move(sleep)),
      device_backoff_(options_.backoff),
      relay_backoff_(options_.backoff) {}

bool Receiver::WaitAfterFailure(bool device, const Status& s, const std::atomic<bool>& stop) {
  bool& down = device ? device_down_ : relay_down_;
  if (!down) {
    down = true;
    Emit(Warning{device ? WarningKind::kDeviceUnreachable : WarningKind::kRelayUnreachable, "",
                 s.message()});
  }
  if (stop.load()) return false;
  Backoff& b = device ? device_backoff_ : relay_backoff_;
  return sleep_(b.Next()) && !stop.load();
}

void Receiver::Recovered(bool device) {
  bool& down = device ? device_down_ : relay_down_;
  (device ? device_backoff_ : relay_backoff_).Reset();
  if (!down) return;
  down = false;
  Emit(Warning{WarningKind::kRecovered, "", device ? "device" : "relay"});
}

void Receiver::Emit(const Warning& w) {
  std::lock_guard<std::mutex> lock(emit_);
  if (stop_ != nullptr && stop_->load()) return;
  if (sink_.on_warning) sink_.on_warning(w);
}

bool Receiver::Start(const std::atomic<bool>& stop) {
  stop_ = &stop;
  while (!stop.load()) {
    Result<uint64_t> c = device_.GetCursor(options_.relay_key);
    if (c.ok()) {
      Recovered(true);
      cursor_ = *c;
      return true;
    }
    if (!WaitAfterFailure(true, c.status(), stop)) return false;
  }
  return false;
}

bool Receiver::SaveCursor(uint64_t next, const std::atomic<bool>& stop) {
  while (true) {
    Status s = device_.PutCursor(options_.relay_key, next);
    if (s.ok()) {
      Recovered(true);
      cursor_ = next;
      return true;
    }
    if (!WaitAfterFailure(true, s, stop)) {
      cursor_ = next;  // in memory at least; the device will refuse a replay anyway
      return false;
    }
  }
}

bool Receiver::Process(const RelayMessage& m, const std::atomic<bool>& stop) {
  Delivery d;
  d.from = m.sender;
  d.ref = m.ref;
  if (!IsValidUid(m.sender)) {
    d.time = std::time(nullptr);
    d.warnings.push_back({WarningKind::kMalformed, "", "relay gave an invalid sender name"});
    sink_.on_delivery(std::move(d));
    return true;
  }
  while (true) {
    Result<UnpackageResult> r = device_.Unpackage(m.sender, m.contents);
    if (r.ok()) {
      Recovered(true);
      d.time = std::time(nullptr);
      d.index = r->index;
      d.already_read = r->already_read;
      d.sent_ms = r->sent_ms;
      d.control = r->control;
      if (!r->already_read && !r->control) d.text = std::move(r->message);
      if (!r->reply_package_b64.empty()) {
        // Best effort: the device announces its grant again if the peer keeps asking.
        (void)relay_.Send(options_.user, m.sender, r->reply_package_b64);
      }
      if (r->rollback) d.warnings.push_back({WarningKind::kRollback, m.sender, ""});
      if (r->skipped) d.warnings.push_back({WarningKind::kSkipped, m.sender, ""});
      if (r->late) d.warnings.push_back({WarningKind::kLate, m.sender, ""});
      WipeString(r->message);
      break;
    }
    if (std::optional<WarningKind> kind = DiscardKind(r.status().code())) {
      Recovered(true);
      d.time = std::time(nullptr);
      d.warnings.push_back({*kind, m.sender, ""});
      break;
    }
    if (!WaitAfterFailure(true, r.status(), stop)) return false;
  }
  sink_.on_delivery(std::move(d));
  return true;
}

int Receiver::PollOnce(const std::atomic<bool>& stop) {
  stop_ = &stop;
  std::vector<RelayMessage> batch;
  while (true) {
    if (stop.load()) return -1;
    Result<std::vector<RelayMessage>> r =
        relay_.GetMessages(options_.user, cursor_, options_.maxcount, options_.wait_seconds);
    if (r.ok()) {
      Recovered(false);
      batch = std::move(*r);
      break;
    }
    if (stop.load()) return -1;
    if (!WaitAfterFailure(false, r.status(), stop)) return -1;
  }
  std::lock_guard<std::mutex> busy(busy_);
  if (stop.load()) return -1;  // fetched but untouched: it stays on the relay
  int processed = 0;
  uint64_t last_ref = 0;
  bool any = false;
  for (const RelayMessage& m : batch) {
    // A relay may be hostile: ignore anything before the cursor (it would loop us) and
    // anything addressed to someone else.
    if (m.ref < cursor_ || m.ref == UINT64_MAX || m.recipient != options_.user) continue;
    if (!Process(m, stop)) return -1;
    if (!SaveCursor(m.ref + 1, stop)) return -1;
    last_ref = m.ref;
    any = true;
    ++processed;
  }
  if (any) (void)relay_.Ack(options_.user, last_ref);  // best effort; the cursor is what counts
  return processed;
}

void Receiver::Run(const std::atomic<bool>& stop) {
  if (!Start(stop)) return;
  while (PollOnce(stop) >= 0) {
  }
}

}  // namespace otc::client
