// The client's relay account: the token `otc register` got from the relay, which the client
// then sends as "Authorization: Bearer" on every read and ack of its queue.
//
// Kept in `<config dir>/relay_token` (one line, the token; mode 0600; the config directory
// and its missing parents are created mode 0700), written atomically with fsync.
#pragma once

#include <string>

#include "common/status.h"

namespace otc::client {

std::string RelayTokenPath(const std::string& config_dir);
// Writes the token; AlreadyExists if the file exists (one account per config directory:
// remove the file deliberately to register again).
Status SaveRelayToken(const std::string& config_dir, const std::string& token);
// The token, or "" if there is no token file; an error if it exists but is unreadable,
// not 0600-private, or malformed.
Result<std::string> LoadRelayToken(const std::string& config_dir);

}  // namespace otc::client
