// The background receiver: long-polls the relay, has the device unpackage each message,
// and hands the result to the UI.
//
// Order of operations for each message (this is what makes it safe):
//   1. fetch from the relay starting at the cursor the device keeps (GET /v1/cursor);
//      when the device has none, from ref 0, so messages queued before the client started
//      are shown (the 2015 client skipped them);
//   2. the device unpackages it; it persists its decrypt log before it returns plaintext;
//   3. the result (message or warning) is delivered to the UI;
//   4. the cursor on the device moves past it (PUT /v1/cursor);
// and after each batch the relay is told it may delete (POST /ack) — only messages the
// device has already unpackaged are ever acked.
//
// ROLLBACK comes from the device too: the message's witness showed that our own store had
// been restored from an older copy, and the device moved past the pad in question.
//
// Control packages (moving the split, chat/protocol/envelope.h) are unpackaged like any
// message but never shown; when the device answers a request for pad with a control
// package of its own, the receiver sends it to the sender through the relay (once: a lost
// one is announced again when the peer asks again).
//
// SKIPPED and LATE come from the device, which knows every pad byte it has decrypted:
// skipped = never-seen pad lies before this message (earlier ones may be lost), late =
// the message lies behind pad already decrypted (reordered in transit, fills a gap).
//
// Refusals are shown, never hidden: replay, integrity failure (no text: the device never
// releases it), malformed package, unknown sender, denial. A device or relay that does not
// answer is retried with backoff (a warning once, a note when it is back); nothing is
// skipped while the device is unreachable.
#pragma once

#include <atomic>
#include <cstdint>
#include <ctime>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "chat/client/api.h"
#include "chat/client/backoff.h"
#include "chat/client/transcript.h"

namespace otc::client {

// One message taken off the relay, decrypted or refused.
struct Delivery {
  std::string from;
  uint64_t ref = 0;
  std::optional<uint64_t> index;  // pad index, when the device decrypted it
  std::time_t time = 0;           // local receive time
  // The sender's clock when its device packaged the message (ms since the Unix epoch), if
  // the package carried it.
  std::optional<int64_t> sent_ms;
  std::optional<std::string> text;
  std::vector<Warning> warnings;
  // The device decrypted this exact package before, for another client of this account
  // (which showed it): no text here, and no alarm.
  bool already_read = false;
  // A control package (the peer's device announcing pad it granted ours): no text, never
  // shown; only its warnings, if any, are.
  bool control = false;
};

struct ReceiverOptions {
  std::string user;       // own uid (recipient)
  std::string relay_key;  // the relay's address, the key of the cursor on the device
  uint32_t wait_seconds = 25;
  uint32_t maxcount = 100;
  BackoffPolicy backoff;
};

struct ReceiverSink {
  std::function<void(Delivery&&)> on_delivery;
  std::function<void(const Warning&)> on_warning;  // unreachable / recovered
};

class Receiver {
 public:
  Receiver(DeviceApi& device, RelayApi& relay, ReceiverOptions options, ReceiverSink sink,
           Sleeper sleep);

  // Loads the cursor from the device (retrying while it is unreachable).
  // Returns false if `stop` was set meanwhile.
  bool Start(const std::atomic<bool>& stop);

  // One fetch (long-polling up to wait_seconds) and the processing of what it returned.
  // Returns the number of messages processed; retries/backoff happen inside. Returns -1
  // if `stop` was set.
  int PollOnce(const std::atomic<bool>& stop);

  // Start, then PollOnce until `stop` is set.
  void Run(const std::atomic<bool>& stop);

  uint64_t cursor() const { return cursor_; }

  // Quitting: set `stop`, then call this. When it returns, no message is between the
  // device's unpackage and its delivery/cursor update, none will start, and the sink will
  // not be called again: the caller may go away even if a long-poll is still outstanding.
  void Quiesce() { std::scoped_lock lock(busy_, emit_); }

 private:
  // Unpackages one message; false if stopping before it was processed.
  bool Process(const RelayMessage& m, const std::atomic<bool>& stop);
  bool SaveCursor(uint64_t next, const std::atomic<bool>& stop);
  // Warns once per outage, waits; false if stopping.
  bool WaitAfterFailure(bool device, const Status& s, const std::atomic<bool>& stop);
  void Recovered(bool device);
  void Emit(const Warning& w);

  DeviceApi& device_;
  RelayApi& relay_;
  ReceiverOptions options_;
  ReceiverSink sink_;
  Sleeper sleep_;
  Backoff device_backoff_;
  Backoff relay_backoff_;
  bool device_down_ = false;
  bool relay_down_ = false;
  uint64_t cursor_ = 0;
  std::mutex busy_;
  std::mutex emit_;  // held while calling sink_.on_warning
  const std::atomic<bool>* stop_ = nullptr;
};

}  // namespace otc::client
