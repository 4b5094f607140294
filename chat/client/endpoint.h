// Where the client finds its device and its relay.
//
// Accepted forms (as typed in --device / --relay, the config file or the environment):
//   unix:/path/to/socket        HTTP over a Unix domain socket
//   http://HOST:PORT            HTTP over TCP; HOST is an IPv4 literal, [IPv6] or localhost
//                               (otc never resolves names: common/http refuses them)
//   https://HOST:PORT           HTTP over TLS (relays only; verification: common/http/tls.h)
//   HOST:PORT                   shorthand for http://HOST:PORT
// A trailing "/" after the port is allowed; any other path, a query or user info is
// refused, because the client adds its own paths.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"

namespace otc::client {

struct Endpoint {
  enum class Kind { kTcp, kUnix };
  Kind kind = Kind::kTcp;
  bool tls = false;   // https://
  std::string host;   // kTcp: without brackets for IPv6
  uint16_t port = 0;  // kTcp
  std::string path;   // kUnix

  // Canonical text: "unix:/p", "http://127.0.0.1:9050", "http://[::1]:9050".
  std::string ToString() const;
};

// "host:port", "[v6]:port" or "unix:/path": the form http::Client::Connect takes.
std::string ConnectAddress(const Endpoint& endpoint);

// Parses one of the forms above; `what` ("device", "relay") names it in errors.
Result<Endpoint> ParseEndpoint(std::string_view text, std::string_view what);

}  // namespace otc::client
