// In-memory DeviceApi and RelayApi for testing the client's logic without processes.
//
// FakeDevice "packages" a message as "PKG:<to>:<index>:<text>" and unpackages such text
// back; any other package text is an integrity failure, "REPLAY..." a replay, "GARBLED..."
// malformed. It reports only what the real device can: every fake package uses 100 pad
// bytes from its index in the sender's direction, and skipped / late / replay follow from
// the pad decrypted so far exactly as padstore decides them (CommitDecrypt), and
// pad_low from the own half's size. It records every call in order in `log`, so tests can check
// that the relay is acked only after the device unpackaged. Fail counters make calls return
// kUnavailable that many times first.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "chat/client/api.h"

namespace otc::client::testing {

class FakeDevice : public DeviceApi {
 public:
  Result<PackageResult> Package(const std::string& to, std::string_view message) override {
    log.push_back("package " + to);
    if (package_failures > 0) {
      --package_failures;
      return Status::Unavailable("device socket: connection refused");
    }
    if (to == "nobody") return Status::NotFound("unknown contact 'nobody'");
    if (pad_left == 0) return Status::Exhausted("no pad left for " + to);
    uint64_t index = next_index;
    next_index += 100;
    pad_left = pad_left > 100 ? pad_left - 100 : 0;
    return PackageResult{"PKG:" + to + ":" + std::to_string(index) + ":" + std::string(message),
                         index, pad_left, pad_total, pad_left * 100 < pad_total};
  }
  Result<UnpackageResult> Unpackage(const std::string& from, const std::string& pkg) override {
    log.push_back("unpackage " + from);
    if (unpackage_failures > 0) {
      --unpackage_failures;
      return Status::Unavailable("device socket: connection refused");
    }
    if (pkg.starts_with("REPLAY")) return Status::Replay("pad already used");
    if (pkg.starts_with("GARBLED")) return Status::InvalidArgument("package too short");
    if (pkg.starts_with("DENY")) return Status::Denied("user said no");
    if (from == "mallory") return Status::NotFound("unknown contact");
    if (!pkg.starts_with("PKG:")) return Status::Integrity("tag mismatch");
    size_t a = pkg.find(':', 4), b = pkg.find(':', a + 1);
    UnpackageResult r;
    r.index = std::stoull(pkg.substr(a + 1, b - a - 1));
    r.message = pkg.substr(b + 1);
    // The sender's stream offset of this package, as padstore computes it.
    PeerHalf& half = peer_halves[from];
    const uint64_t begin =
        half.direction == Direction::kUp ? r.index - half.start : half.start - r.index;
    if (half.decrypted.contains(begin)) return Status::Replay("pad already decrypted");
    const uint64_t frontier = half.decrypted.empty() ? 0 : *half.decrypted.rbegin() + 100;
    r.skipped = begin > frontier;
    r.late = begin < frontier;
    half.decrypted.insert(begin);
    r.sent_ms = sent_ms;
    r.rollback = std::exchange(rollback_next, false);
    if (std::exchange(control_next, false)) {
      r.control = true;
      r.message.clear();  // the device's control packages carry no text
    }
    r.reply_package_b64 = std::exchange(reply_package_next, "");
    return r;
  }
  Result<std::vector<ContactInfo>> Contacts() override {
    return std::vector<ContactInfo>{{"bob", Format::kOtc2, pad_left, pad_total, pad_left / 100}};
  }
  Result<std::string> Health() override { return std::string("alice"); }
  Result<uint64_t> GetCursor(const std::string& relay) override {
    log.push_back("getcursor " + relay);
    if (cursor_failures > 0) {
      --cursor_failures;
      return Status::Unavailable("down");
    }
    return cursors[relay];
  }
  Status PutCursor(const std::string& relay, uint64_t next) override {
    log.push_back("putcursor " + std::to_string(next));
    cursors[relay] = next;
    return Status::Ok();
  }

  std::vector<std::string> log;
  std::map<std::string, uint64_t> cursors;
  // A sender's half: the index its stream starts at, and its direction (default: from
  // index 0 upward). `decrypted` holds the stream offsets of the packages decrypted.
  struct PeerHalf {
    uint64_t start = 0;
    Direction direction = Direction::kUp;
    std::set<uint64_t> decrypted;
  };
  std::map<std::string, PeerHalf> peer_halves;
  uint64_t next_index = 0;
  uint64_t pad_left = 1000000;
  uint64_t pad_total = 2000000;  // own half
  int package_failures = 0;
  int unpackage_failures = 0;
  int cursor_failures = 0;
  // Put into every unpackage reply: the sender's clock (ms since the epoch), if set.
  std::optional<int64_t> sent_ms;
  // Put into the next unpackage reply: the device found its store rolled back.
  bool rollback_next = false;
  // The next unpackage is a control package / comes with a control package to send back.
  bool control_next = false;
  std::string reply_package_next;
};

class FakeRelay : public RelayApi {
 public:
  Status Check() override { return Status::Ok(); }
  Result<uint64_t> Send(const std::string& sender, const std::string& recipient,
                        const std::string& contents) override {
    ++send_calls;
    if (on_send) on_send(contents);
    if (send_failures > 0) {
      --send_failures;
      return Status::Unavailable("relay: connection refused");
    }
    if (refuse_contents_with == contents) return refusal;
    if (log) log->push_back("send " + recipient);
    messages.push_back({next_ref, sender, recipient, contents});
    return next_ref++;
  }
  Result<std::vector<RelayMessage>> GetMessages(const std::string& recipient, uint64_t start,
                                                uint32_t maxcount, uint32_t) override {
    ++get_calls;
    if (on_get) on_get();
    if (get_failures > 0) {
      --get_failures;
      return Status::Unavailable("relay: timed out");
    }
    std::vector<RelayMessage> out;
    for (const RelayMessage& m : messages) {
      if (m.recipient == recipient && m.ref >= start && out.size() < maxcount) out.push_back(m);
    }
    for (const RelayMessage& m : extra_next_get) out.push_back(m);
    extra_next_get.clear();
    return out;
  }
  Result<uint64_t> NextRef(const std::string&) override { return next_ref; }
  Status Ack(const std::string& recipient, uint64_t up_to) override {
    if (log) log->push_back("ack " + std::to_string(up_to));
    acks.push_back(up_to);
    std::erase_if(messages, [&](const RelayMessage& m) {
      return m.recipient == recipient && m.ref <= up_to;
    });
    return Status::Ok();
  }

  std::vector<RelayMessage> messages;
  std::function<void()> on_get;
  std::function<void(const std::string& contents)> on_send;  // before the send is decided
  std::vector<RelayMessage> extra_next_get;  // returned once, verbatim (hostile relay)
  std::vector<uint64_t> acks;
  std::vector<std::string>* log = nullptr;  // shared with the device to see the order
  uint64_t next_ref = 1;
  int send_failures = 0;
  std::string refuse_contents_with;  // a send of exactly these contents gets `refusal`
  Status refusal = Status::TooLarge("relay refused: too large");
  int get_failures = 0;
  int send_calls = 0;
  int get_calls = 0;
};

}  // namespace otc::client::testing
