// KeptAliveConnection: one kept-alive HTTP/1.1 connection to a device or a relay, opened on
// first use and reopened after any transport failure.
//
// Both HTTP clients of the chat client (device_client.h, relay_client.h) talk through it, so
// the rule that matters lives in one place: every failure to connect or to exchange a
// request is `Unavailable`, never anything else, except that a TLS server whose certificate
// is not trusted is `Denied` (retrying will not help; the user must fix the address or the
// pin). Callers retry on Unavailable, and a receiver must never take a connection problem
// for a bad package and discard it.
// Requests are serialized: one in flight per connection.
#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <string>

#include "common/http/client.h"
#include "common/status.h"

namespace otc::client {

class KeptAliveConnection {
 public:
  // `peer` names the other side in errors ("device", "relay"); `address` is what
  // http::Client::Connect takes (validated when the client starts); `tls` for https.
  KeptAliveConnection(std::string peer, std::string address, http::ClientTls tls = {})
      : peer_(std::move(peer)), address_(std::move(address)), tls_(std::move(tls)) {}

  // Sends a request (a JSON `body` if non-empty, an `Authorization: Bearer` header if
  // `bearer_token` is non-empty) and returns the reply, whatever its status. The request
  // body is wiped after sending (it may carry plaintext).
  Result<http::Response> Exchange(http::Verb verb, const std::string& target, std::string body,
                                  const std::string& bearer_token,
                                  std::chrono::milliseconds timeout);

  const std::string& address() const { return address_; }

 private:
  std::mutex mu_;
  const std::string peer_;
  const std::string address_;
  const http::ClientTls tls_;
  std::unique_ptr<http::Client> conn_;
};

}  // namespace otc::client
