// The shared secret a TCP client presents as "Authorization: Bearer <token>".
//
// A device listening on TCP (a separate device on a cable or LAN) requires a token;
// on its Unix socket the file mode (0600) is the access control. The token file holds
// one line of 16 to 4096 printable ASCII characters (a trailing newline is ignored),
// and must not be readable by group or others (like an ssh key). The device keeps only
// the SHA-256 of the token and compares digests with CRYPTO_memcmp, so the check takes
// the same time whatever the presented token is (its length included).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"

namespace otc::device {

inline constexpr size_t kMinTokenLength = 16;
inline constexpr size_t kMaxTokenLength = 4096;

// Reads and validates a token file; the caller wipes the returned text when done.
// Used by the device and by clients that send the token.
Result<std::string> ReadTokenFile(const std::string& path);

class BearerToken {
 public:
  // Validates `token` (length, printable ASCII) and keeps its digest.
  static Result<BearerToken> FromText(std::string_view token);
  static Result<BearerToken> Load(const std::string& path);

  // True iff `authorization` is "Bearer <token>" (scheme case-insensitive) for this token.
  bool Matches(std::string_view authorization) const;

 private:
  std::array<uint8_t, 32> digest_{};
};

}  // namespace otc::device
