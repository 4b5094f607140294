#include "chat/client/endpoint.h"

#include <charconv>

namespace otc::client {

std::string Endpoint::ToString() const {
  if (kind == Kind::kUnix) return "unix:" + path;
  std::string h = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  return std::string(tls ? "https://" : "http://") + h + ":" + std::to_string(port);
}

std::string ConnectAddress(const Endpoint& endpoint) {
  if (endpoint.kind == Endpoint::Kind::kUnix) return "unix:" + endpoint.path;
  std::string host =
      endpoint.host.find(':') != std::string::npos ? "[" + endpoint.host + "]" : endpoint.host;
  return host + ":" + std::to_string(endpoint.port);
}

namespace {

Status Bad(std::string_view text, std::string_view what, std::string_view why) {
  return Status::InvalidArgument(std::string(what) + " address '" + std::string(text) +
                                 "' is not valid (" + std::string(why) +
                                 "): use unix:/path/to/socket or http://HOST:PORT");
}

}  // namespace

Result<Endpoint> ParseEndpoint(std::string_view text, std::string_view what) {
  Endpoint ep;
  if (text.starts_with("unix:")) {
    ep.kind = Endpoint::Kind::kUnix;
    ep.path = std::string(text.substr(5));
    if (ep.path.empty()) return Bad(text, what, "empty socket path");
    if (ep.path.size() > 107) return Bad(text, what, "socket path longer than 107 bytes");
    return ep;
  }
  std::string_view rest = text;
  if (rest.starts_with("http://")) {
    rest.remove_prefix(7);
  } else if (rest.starts_with("https://")) {
    rest.remove_prefix(8);
    ep.tls = true;
  } else if (rest.find("://") != std::string_view::npos) {
    return Bad(text, what, "unknown scheme");
  }
  if (rest.ends_with("/")) rest.remove_suffix(1);
  if (rest.find_first_of("/?#@") != std::string_view::npos) {
    return Bad(text, what, "no path, query or user info allowed");
  }
  std::string_view port_text;
  if (rest.starts_with("[")) {
    size_t close = rest.find(']');
    if (close == std::string_view::npos) return Bad(text, what, "unclosed [");
    ep.host = std::string(rest.substr(1, close - 1));
    rest.remove_prefix(close + 1);
    if (!rest.starts_with(":")) return Bad(text, what, "missing :PORT");
    port_text = rest.substr(1);
  } else {
    size_t colon = rest.rfind(':');
    if (colon == std::string_view::npos) return Bad(text, what, "missing :PORT");
    ep.host = std::string(rest.substr(0, colon));
    if (ep.host.find(':') != std::string::npos) return Bad(text, what, "put IPv6 in [brackets]");
    port_text = rest.substr(colon + 1);
  }
  if (ep.host.empty()) return Bad(text, what, "empty host");
  unsigned port = 0;
  auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (port_text.empty() || ec != std::errc() || end != port_text.data() + port_text.size() ||
      port == 0 || port > 65535) {
    return Bad(text, what, "port must be 1-65535");
  }
  ep.port = static_cast<uint16_t>(port);
  return ep;
}

}  // namespace otc::client
