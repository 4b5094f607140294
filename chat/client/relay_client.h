// RelayApi over HTTP: talks to `otc-relay` (docs/PROTOCOL.md "Relay API"; the 2015 names
// /check /send /getmessages /getnextref plus the wait= long-poll and /ack).
//
// Error mapping: no connection, a timeout, 429 (rate limited) and 5xx are kUnavailable,
// so callers retry; 413 is kTooLarge; 401/403 (no or another's account token) is kDenied;
// another 4xx is kInvalidArgument with the relay's
// message; a 2xx reply that does not parse is kInternal. The relay is untrusted, so
// every field of a reply is type-checked; what it says is never trusted beyond that.
//
// Several relays (relay_endpoints.h): a call that cannot reach the current relay (or finds
// its TLS certificate untrusted) is tried on the next one in the list, and the client stays
// with the relay that answered. A /send whose connection broke after the request went out
// may so reach two relays; with one shared database that is a duplicate the recipient's
// device already rejects as a replay.
//
// https:// relays are verified against the system store or, with `pin`, against the pinned
// public key (common/http/tls.h).
//
// Thread-safe (calls serialized on one connection); give the long-poll its own instance.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "chat/client/api.h"
#include "chat/client/endpoint.h"
#include "chat/client/kept_alive_connection.h"
#include "common/http/client.h"

namespace otc::client {

struct RelayClientOptions {
  std::chrono::milliseconds timeout{10'000};  // for a long-poll: wait + this
  // The relay account's token (relay_account.h), sent as "Authorization: Bearer" on every
  // read and ack; empty for a relay run with --accounts off.
  std::string account_token;
  std::string pin;      // "sha256:<hex>" for https relays; empty: the system store
  std::string ca_file;  // extra trust anchors for https relays without a pin (tests)
};

class HttpRelayClient final : public RelayApi {
 public:
  static Result<std::unique_ptr<HttpRelayClient>> Create(const Endpoint& endpoint,
                                                         RelayClientOptions options = {});
  // Fails over along `endpoints` (at least one).
  static Result<std::unique_ptr<HttpRelayClient>> Create(const std::vector<Endpoint>& endpoints,
                                                         RelayClientOptions options);

  Status Check() override;
  Result<uint64_t> Send(const std::string& sender, const std::string& recipient,
                        const std::string& contents) override;
  Result<std::vector<RelayMessage>> GetMessages(const std::string& recipient, uint64_t start_ref,
                                                uint32_t maxcount, uint32_t wait_seconds) override;
  Result<uint64_t> NextRef(const std::string& recipient) override;
  Status Ack(const std::string& recipient, uint64_t up_to_ref) override;
  // POST /register: creates the relay account `uid` and returns its token (given once).
  // A taken uid is kAlreadyExists.
  Result<std::string> Register(const std::string& uid);

 private:
  explicit HttpRelayClient(RelayClientOptions options) : options_(std::move(options)) {}
  // `authorized`: send the account token (reads and acks of the user's own queue).
  Result<nlohmann::json> Call(http::Verb verb, const std::string& target, std::string body,
                              std::chrono::milliseconds timeout, bool authorized = false);
  Result<http::Response> Exchange(http::Verb verb, const std::string& target,
                                  const std::string& body, std::chrono::milliseconds timeout,
                                  const std::string& token);

  std::vector<std::unique_ptr<KeptAliveConnection>> connections_;
  std::atomic<size_t> current_{0};  // the relay that answered last
  RelayClientOptions options_;
};

// The Status for a non-2xx relay reply (see the mapping above).
Status RelayErrorStatus(int http_status, std::string_view body);

// Parses a /getmessages reply body, checking every field's type.
Result<std::vector<RelayMessage>> ParseRelayMessages(const nlohmann::json& reply);

}  // namespace otc::client
