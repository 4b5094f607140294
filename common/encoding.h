// Strict base64 (RFC 4648, with padding) and lower-case hex.
//
// Decoding rejects anything not in the alphabet, whitespace, missing or misplaced
// padding and non-canonical trailing bits, so one text has exactly one meaning: a relay
// or a client cannot smuggle a second encoding of the same package past a replay check.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace otc {

std::string Base64Encode(std::span<const uint8_t> bytes);
Result<std::vector<uint8_t>> Base64Decode(std::string_view text);

std::string HexEncode(std::span<const uint8_t> bytes);
Result<std::vector<uint8_t>> HexDecode(std::string_view text);

// Convenience views of a string's bytes.
inline std::span<const uint8_t> AsBytes(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}
inline std::string_view AsChars(std::span<const uint8_t> b) {
  return {reinterpret_cast<const char*>(b.data()), b.size()};
}

}  // namespace otc
