#include "relay/accounts.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <cstdint>
#include <span>

#include "common/encoding.h"
#include "relay/send_digest.h"

namespace otc::relay {

Result<std::string> NewAccountToken() {
  uint8_t bytes[32];
  if (RAND_bytes(bytes, sizeof bytes) != 1) {
    return Status::Internal("the random number generator failed");
  }
  std::string token = HexEncode(std::span<const uint8_t>(bytes, sizeof bytes));
  OPENSSL_cleanse(bytes, sizeof bytes);
  return token;
}

std::string AccountTokenHash(std::string_view token) {
  // The same hex SHA-256 as a send digest; one hash function, one encoding.
  return SendDigest(token);
}

std::string_view BearerTokenOf(std::string_view authorization) {
  constexpr std::string_view kScheme = "bearer ";
  if (authorization.size() <= kScheme.size()) return {};
  for (size_t i = 0; i < kScheme.size(); ++i) {
    char c = authorization[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != kScheme[i]) return {};
  }
  std::string_view token = authorization.substr(kScheme.size());
  while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
  while (!token.empty() && token.back() == ' ') token.remove_suffix(1);
  return token;
}

AccessDecision CheckAccess(MessageStore& store, std::string_view uid,
                           std::string_view authorization) {
  std::string_view token = BearerTokenOf(authorization);
  if (token.empty()) return AccessDecision::kNoToken;
  std::string presented = AccountTokenHash(token);
  Result<std::string> stored = store.AccountTokenHash(uid);
  if (!stored.ok()) {
    return stored.status().code() == Status::Code::kNotFound ? AccessDecision::kWrongToken
                                                             : AccessDecision::kStoreError;
  }
  if (stored->size() != presented.size() ||
      CRYPTO_memcmp(stored->data(), presented.data(), presented.size()) != 0) {
    return AccessDecision::kWrongToken;
  }
  return AccessDecision::kAllowed;
}

}  // namespace otc::relay
