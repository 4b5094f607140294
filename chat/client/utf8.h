// UTF-8 validity (RFC 3629): what may travel as a JSON string, and what the terminal may
// be given. Overlong forms, surrogates (U+D800..U+DFFF), code points above U+10FFFF and
// truncated sequences are invalid.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace otc::client {

bool IsValidUtf8(std::string_view text);

// The one character starting at text[i]: its length in bytes (1-4) and code point, or
// length 0 when the bytes there are not valid UTF-8.
struct Utf8Char {
  size_t length = 0;
  uint32_t code_point = 0;
};
Utf8Char DecodeUtf8At(std::string_view text, size_t i);

}  // namespace otc::client
