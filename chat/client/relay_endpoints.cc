#include "chat/client/relay_endpoints.h"

#include <algorithm>
#include <string>

namespace otc::client {

namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

Result<std::vector<Endpoint>> ParseRelayList(std::string_view text) {
  std::vector<Endpoint> out;
  while (true) {
    size_t comma = text.find(',');
    std::string_view item = Trim(text.substr(0, comma));
    if (item.empty()) {
      return Status::InvalidArgument(
          "relay list '" + std::string(text.substr(0, 200)) +
          "' has an empty entry: separate addresses with single commas, e.g. "
          "http://10.0.0.1:9050, http://10.0.0.2:9050");
    }
    Result<Endpoint> endpoint = ParseEndpoint(item, "relay");
    if (!endpoint.ok()) return endpoint.status();
    std::string name = endpoint->ToString();
    if (std::any_of(out.begin(), out.end(),
                    [&](const Endpoint& e) { return e.ToString() == name; })) {
      return Status::InvalidArgument("relay " + name + " is listed twice");
    }
    out.push_back(std::move(*endpoint));
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  return out;
}

}  // namespace otc::client
