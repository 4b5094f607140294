// UTF-8 validity (RFC 3629): what may travel as a JSON string. Overlong forms, surrogates
// (U+D800..U+DFFF), code points above U+10FFFF and truncated sequences are invalid.
#pragma once

#include <string_view>

namespace otc::client {

bool IsValidUtf8(std::string_view text);

}  // namespace otc::client
