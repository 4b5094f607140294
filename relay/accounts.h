// Accounts: who may read and ack a queue.
//
// POST /register creates an account for a uid and answers its token once. A token is 32
// random bytes (OpenSSL RAND_bytes) as 64 lower-case hex characters; the store keeps only
// its hash, the hex SHA-256 of the token text (a slow password hash buys nothing for
// 256 random bits). /getmessages, /getnextref and /ack then need
// "Authorization: Bearer <token>" for the queue's uid; the presented token's hash is
// compared with the stored one in constant time (CRYPTO_memcmp).
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"
#include "relay/message_store.h"

namespace otc::relay {

enum class AccessDecision {
  kAllowed,
  kNoToken,     // no usable Authorization: Bearer header -> 401
  kWrongToken,  // a token, but not this uid's (or the uid has no account) -> 403
  kStoreError,  // the account could not be read -> 503
};

// A new random token (64 hex characters); Internal if the RNG fails.
Result<std::string> NewAccountToken();
// What the store keeps for `token`.
std::string AccountTokenHash(std::string_view token);
// The token of an "Authorization" header value "Bearer <token>" (scheme case-insensitive),
// or empty if the header is absent or another scheme.
std::string_view BearerTokenOf(std::string_view authorization);
// Whether `authorization` (the header value, possibly empty) grants access to `uid`.
AccessDecision CheckAccess(MessageStore& store, std::string_view uid,
                           std::string_view authorization);

}  // namespace otc::relay
