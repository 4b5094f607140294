// A relay list: the addresses of relay processes that serve one shared database, in the
// order the client tries them.
//
//   relay = http://10.0.0.1:9050, http://10.0.0.2:9050
//   --relay https://10.0.0.1:443 --relay https://10.0.0.2:443   (or commas in one value)
//   OTC_RELAY="http://10.0.0.1:9050,http://10.0.0.2:9050"
//
// Each entry is an address as endpoint.h accepts it; entries are separated by commas
// (spaces around them are ignored). The client uses the first reachable one and moves to
// the next when it cannot reach one (relay_client.h). Every address must serve the same
// message database: refs, and so the client's cursor, are the database's, and the cursor
// is kept under the first address's name.
#pragma once

#include <string_view>
#include <vector>

#include "chat/client/endpoint.h"
#include "common/status.h"

namespace otc::client {

// Parses a comma-separated list (at least one entry, no empty ones, no duplicates).
Result<std::vector<Endpoint>> ParseRelayList(std::string_view text);

}  // namespace otc::client
