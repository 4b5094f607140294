// SendDigest: what identifies a repeated send for idempotency (message_store.h).
//
// The lower-case hex SHA-256 of a message's contents as sent (the client's base64 text).
// Stores key it with the sender and recipient uids, so the same bytes from someone else,
// or to someone else, are a different send.
#pragma once

#include <string>
#include <string_view>

namespace otc::relay {

std::string SendDigest(std::string_view contents);

}  // namespace otc::relay
