// Listen/connect addresses as users type them.
//
//   "127.0.0.1:9050"   IPv4 literal and port        "[::1]:9050"  IPv6 literal in brackets
//   "localhost:9050"   same as 127.0.0.1            "0.0.0.0:0"   port 0 = pick an ephemeral port
//   "unix:/run/otc/relay.sock"  a Unix domain socket path (also any text starting with '/')
//
// Host names other than "localhost" are rejected rather than resolved: a server binds to
// an address, and a client of otc talks to a configured address, never to DNS.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"

namespace otc::http {

struct ListenAddress {
  enum class Kind { kTcp, kUnix };
  Kind kind = Kind::kTcp;
  std::string host;   // IP literal without brackets (kTcp)
  uint16_t port = 0;  // kTcp; 0 = ephemeral when listening
  std::string path;   // kUnix

  // "127.0.0.1:9050", "[::1]:9050" or "unix:/path".
  std::string ToString() const;
};

// Parses `text`; the error names the text and the accepted forms.
Result<ListenAddress> ParseListenAddress(std::string_view text);

}  // namespace otc::http
