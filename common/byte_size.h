// Byte sizes as users type them: "512", "64K", "512M", "1G", "1T", "1P".
//
// Suffixes are binary multiples (K = 2^10 ... P = 2^50), case-insensitive, with an
// optional trailing "B" or "iB" ("4KiB", "4kb"). Only whole numbers: "1.5G" is rejected
// rather than silently rounded, because a size decides how much pad exists.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"

namespace otc {

struct ByteSizeOptions {
  bool allow_zero = false;
};

// Parses `text`; the error message quotes the bad text and says what is accepted.
Result<uint64_t> ParseByteSize(std::string_view text, ByteSizeOptions options = {});

// Exact when possible ("64M", "1T", "1000"), otherwise one decimal ("1.5G").
std::string FormatByteSize(uint64_t bytes);

}  // namespace otc
