#include "relay/send_digest.h"

#include <openssl/sha.h>

#include <cstdint>
#include <span>

#include "common/encoding.h"

namespace otc::relay {

std::string SendDigest(std::string_view contents) {
  uint8_t digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const uint8_t*>(contents.data()), contents.size(), digest);
  return HexEncode(std::span<const uint8_t>(digest, sizeof digest));
}

}  // namespace otc::relay
