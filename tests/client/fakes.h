// In-memory DeviceApi and RelayApi for testing the client's logic without processes.
//
// FakeDevice "packages" a message as "PKG:<to>:<index>:<text>" and unpackages such text
// back; any other package text is an integrity failure, "REPLAY..." a replay, "GARBLED..."
// malformed. It records every call in order in `log`, so tests can check that the relay
// is acked only after the device unpackaged. Fail counters make calls return
// kUnavailable that many times first.
#pragma once

#include <functional>
#include <map>
#include <set>
#include <string>
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
                         index, pad_left, pad_left < low_below};
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
    r.skipped = skipped_indices.count(r.index) > 0;
    r.late = late_indices.count(r.index) > 0;
    return r;
  }
  Result<std::vector<ContactInfo>> Contacts() override {
    return std::vector<ContactInfo>{{"bob", "otc2", pad_left, 10000, pad_left / 100}};
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
  std::set<uint64_t> skipped_indices, late_indices;
  uint64_t next_index = 0;
  uint64_t pad_left = 1000000;
  uint64_t low_below = 0;  // the device's pad_low flag is set when pad_left is below this
  int package_failures = 0;
  int unpackage_failures = 0;
  int cursor_failures = 0;
};

class FakeRelay : public RelayApi {
 public:
  Status Check() override { return Status::Ok(); }
  Result<uint64_t> Send(const std::string& sender, const std::string& recipient,
                        const std::string& contents) override {
    ++send_calls;
    if (send_failures > 0) {
      --send_failures;
      return Status::Unavailable("relay: connection refused");
    }
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
  std::vector<RelayMessage> extra_next_get;  // returned once, verbatim (hostile relay)
  std::vector<uint64_t> acks;
  std::vector<std::string>* log = nullptr;  // shared with the device to see the order
  uint64_t next_ref = 1;
  int send_failures = 0;
  int get_failures = 0;
  int send_calls = 0;
  int get_calls = 0;
};

}  // namespace otc::client::testing
