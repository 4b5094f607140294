// Byte sizes as users type them: "512", "64K", "512M", "1G", "1T", "1P".
//
// Suffixes follow dd(1): a letter alone or with "iB" is a binary multiple (K = KiB = 2^10,
// M = MiB = 2^20 ... P = PiB = 2^50); the letter with "B" is a decimal one (KB = 10^3,
// MB = 10^6 ... PB = 10^15). Letters are case-insensitive ("4kib", "16mb"); a lone "B"
// means bytes. Only whole numbers: "1.5G" is rejected rather than silently rounded,
// because a size decides how much pad exists.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"

namespace otc {

struct ByteSizeOptions {
  bool allow_zero = false;
};

// How the suffixes work, for --help texts.
inline constexpr const char* kByteSizeHelp =
    "Sizes take dd's suffixes: K, M, G, T, P (or KiB, MiB, ...) are powers of 1024; KB, MB, "
    "GB, TB, PB are powers of 1000 (16M = 16777216, 16MB = 16000000).";

// Parses `text`; the error message quotes the bad text and says what is accepted.
Result<uint64_t> ParseByteSize(std::string_view text, ByteSizeOptions options = {});

// Exact when possible ("64M", "1T", "1000"), otherwise one decimal ("1.5G").
std::string FormatByteSize(uint64_t bytes);

}  // namespace otc
