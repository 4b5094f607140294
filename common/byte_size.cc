#include "common/byte_size.h"

#include <cctype>
#include <cstdio>
#include <limits>

namespace otc {
namespace {

Status BadSize(std::string_view text, std::string_view why) {
  return Status::InvalidArgument("bad size '" + std::string(text) + "': " + std::string(why) +
                                 " (use a whole number with an optional K, M, G, T or P suffix "
                                 "(powers of 1024) or KB, MB, GB, TB, PB (powers of 1000), "
                                 "e.g. 512M or 1T)");
}

// The power of 1024 (binary) or 1000 (decimal) a suffix letter stands for: 1 for K.
int PowerForSuffix(char c) {
  switch (std::toupper(static_cast<unsigned char>(c))) {
    case 'K':
      return 1;
    case 'M':
      return 2;
    case 'G':
      return 3;
    case 'T':
      return 4;
    case 'P':
      return 5;
    default:
      return -1;
  }
}

}  // namespace

Result<uint64_t> ParseByteSize(std::string_view text, ByteSizeOptions options) {
  size_t i = 0;
  uint64_t value = 0;
  if (text.empty()) return BadSize(text, "empty");
  if (text[0] == '-') return BadSize(text, "sizes cannot be negative");
  while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) {
    unsigned digit = text[i] - '0';
    if (value > (std::numeric_limits<uint64_t>::max() - digit) / 10) {
      return BadSize(text, "too large");
    }
    value = value * 10 + digit;
    ++i;
  }
  if (i == 0) return BadSize(text, "no number");
  int power = 0;
  bool decimal = false;
  if (i < text.size()) {
    std::string_view rest = text.substr(i);
    power = PowerForSuffix(rest[0]);
    if (power < 0) {
      if (rest != "B" && rest != "b")
        return BadSize(text, "unknown suffix '" + std::string(rest) + "'");
      power = 0;
    } else {
      std::string_view tail = rest.substr(1);
      decimal = tail == "B" || tail == "b";
      if (!(tail.empty() || decimal || tail == "iB" || tail == "ib" || tail == "IB" ||
            tail == "Ib")) {
        return BadSize(text, "unknown suffix '" + std::string(rest) + "'");
      }
    }
  }
  const uint64_t base = decimal ? 1000 : 1024;
  for (int k = 0; k < power; ++k) {
    if (value > std::numeric_limits<uint64_t>::max() / base) return BadSize(text, "too large");
    value *= base;
  }
  if (value == 0 && !options.allow_zero) return BadSize(text, "must be greater than zero");
  return value;
}

std::string FormatByteSize(uint64_t bytes) {
  static const char kSuffixes[] = {'K', 'M', 'G', 'T', 'P', 'E'};
  if (bytes < 1024) return std::to_string(bytes);
  int shift = 60;
  for (int s = 5; s >= 0; --s, shift -= 10) {
    uint64_t unit = uint64_t{1} << shift;
    if (bytes >= unit) {
      char buf[32];
      if (bytes % unit == 0) {
        std::snprintf(buf, sizeof buf, "%llu%c", static_cast<unsigned long long>(bytes / unit),
                      kSuffixes[s]);
      } else {
        std::snprintf(buf, sizeof buf, "%.1f%c", static_cast<double>(bytes) / unit, kSuffixes[s]);
      }
      return buf;
    }
  }
  return std::to_string(bytes);
}

}  // namespace otc
