#include "common/http/listen_address.h"

#include <boost/asio/ip/address.hpp>
#include <charconv>

namespace otc::http {

namespace {

Status Bad(std::string_view text, std::string_view why) {
  return Status::InvalidArgument("listen address '" + std::string(text) + "': " + std::string(why) +
                                 " (use HOST:PORT with an IP literal, [IPv6]:PORT, or "
                                 "unix:/path/to/socket)");
}

}  // namespace

std::string ListenAddress::ToString() const {
  if (kind == Kind::kUnix) return "unix:" + path;
  if (host.find(':') != std::string::npos) return "[" + host + "]:" + std::to_string(port);
  return host + ":" + std::to_string(port);
}

Result<ListenAddress> ParseListenAddress(std::string_view text) {
  ListenAddress out;
  if (text.starts_with("unix:") || text.starts_with("/")) {
    out.kind = ListenAddress::Kind::kUnix;
    out.path = std::string(text.starts_with("unix:") ? text.substr(5) : text);
    if (out.path.empty()) return Bad(text, "empty socket path");
    // sockaddr_un.sun_path is 108 bytes including the terminating NUL.
    if (out.path.size() > 107) return Bad(text, "socket path longer than 107 bytes");
    if (out.path.find('\0') != std::string::npos) return Bad(text, "NUL in socket path");
    return out;
  }
  size_t colon = text.rfind(':');
  if (colon == std::string_view::npos) return Bad(text, "missing ':PORT'");
  std::string_view host = text.substr(0, colon);
  std::string_view port = text.substr(colon + 1);
  if (host.starts_with("[")) {
    if (!host.ends_with("]")) return Bad(text, "unbalanced '[' around an IPv6 address");
    host = host.substr(1, host.size() - 2);
  } else if (host.find(':') != std::string_view::npos) {
    return Bad(text, "IPv6 addresses must be written in brackets");
  }
  if (host == "localhost") host = "127.0.0.1";
  boost::system::error_code ec;
  boost::asio::ip::address addr = boost::asio::ip::make_address(std::string(host), ec);
  if (ec) return Bad(text, "host is not an IP literal");
  unsigned value = 0;
  auto [end, err] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (port.empty() || err != std::errc() || end != port.data() + port.size() || value > 65535) {
    return Bad(text, "port must be a number from 0 to 65535");
  }
  out.host = addr.to_string();
  out.port = static_cast<uint16_t>(value);
  return out;
}

}  // namespace otc::http
