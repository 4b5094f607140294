// A hostile relay for the end-to-end tests: an HTTP proxy in front of a real otc-relay
// that tampers with what senders store, as a malicious relay operator could.
//
// The sender's client talks to the proxy; the receiver reads the real relay, so it sees
// exactly what a hostile relay chose to deliver. Every request is forwarded unchanged
// except POST /send, where the Nth send (counted from 1, over all senders) may be:
//   kDrop     answered {"received":true,"ref":<fake>} and never stored
//   kReplay   stored twice (the second copy is a replay of the first). The honest relay
//             answers a repeated identical send with its first ref, so the copy is written
//             straight into the relay's SQLite database (`relay_db`), as a malicious
//             operator who owns that database could.
//   kHold     held back and stored right after the next send (a reorder)
//   kFlip     one byte of the decoded package flipped (the last one) before storing
// Keeps the relay code clean: nothing hostile lives in relay/.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/http/server.h"

namespace otc::e2e {

enum class Tamper { kNone, kDrop, kReplay, kHold, kFlip };

class HostileRelay {
 public:
  // Listens on `listen` (e.g. "unix:/tmp/x/hostile.sock") and forwards to `upstream`
  // ("unix:/tmp/x/relay.sock").
  static std::unique_ptr<HostileRelay> Start(const std::string& listen, const std::string& upstream,
                                             std::map<int, Tamper> plan, std::string relay_db = {});
  ~HostileRelay();

  // What was done to each send, in order ("send 3: flip").
  std::vector<std::string> Log();

  struct State;

 private:
  std::shared_ptr<State> state_;
  std::unique_ptr<http::Server> server_;
};

}  // namespace otc::e2e
