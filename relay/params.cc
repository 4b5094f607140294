#include "relay/params.h"

#include <charconv>
#include <limits>

namespace otc::relay {

namespace {

bool AllDigits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

}  // namespace

bool IsValidUid(std::string_view uid) {
  if (uid.empty() || uid.size() > kMaxUidLength) return false;
  for (char c : uid) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
    if (!ok) return false;
  }
  return true;
}

Result<uint64_t> ParseRef(std::string_view text) {
  if (!AllDigits(text)) return Status::InvalidArgument("must be a non-negative decimal integer");
  uint64_t value = 0;
  auto [end, err] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (err != std::errc() || end != text.data() + text.size() ||
      value > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
    return Status::InvalidArgument("is too large");
  }
  return value;
}

Result<uint64_t> ParseRef(const nlohmann::json& value) {
  if (value.is_string()) return ParseRef(std::string_view(value.get_ref<const std::string&>()));
  if (value.is_number_unsigned()) {
    uint64_t v = value.get<uint64_t>();
    if (v > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
      return Status::InvalidArgument("is too large");
    }
    return v;
  }
  if (value.is_number_integer()) {  // signed: built from an int, or negative text
    int64_t v = value.get<int64_t>();
    if (v < 0) return Status::InvalidArgument("must not be negative");
    return static_cast<uint64_t>(v);
  }
  return Status::InvalidArgument("must be a non-negative integer");
}

Result<uint64_t> ParseCount(std::string_view text, uint64_t max) {
  Result<uint64_t> v = ParseRef(text);
  if (!v.ok() || *v < 1 || *v > max) {
    return Status::InvalidArgument("must be an integer from 1 to " + std::to_string(max));
  }
  return v;
}

Result<std::chrono::milliseconds> ParseWait(std::string_view text, std::chrono::milliseconds max) {
  Status bad =
      Status::InvalidArgument("must be a number of seconds from 0 to " +
                              std::to_string(max.count() / 1000) + " with at most 3 decimals");
  size_t dot = text.find('.');
  std::string_view whole = text.substr(0, dot);
  std::string_view frac = dot == std::string_view::npos ? std::string_view() : text.substr(dot + 1);
  if (!AllDigits(whole) || whole.size() > 6) return bad;
  if (dot != std::string_view::npos && (!AllDigits(frac) || frac.size() > 3)) return bad;
  uint64_t ms = 0;
  std::from_chars(whole.data(), whole.data() + whole.size(), ms);
  ms *= 1000;
  uint64_t scale = 100;
  for (char c : frac) {
    ms += static_cast<uint64_t>(c - '0') * scale;
    scale /= 10;
  }
  if (ms > static_cast<uint64_t>(max.count())) return bad;
  return std::chrono::milliseconds(ms);
}

Result<std::chrono::seconds> ParseDuration(std::string_view text) {
  if (text == "0" || text == "off") return std::chrono::seconds(0);
  Status bad = Status::InvalidArgument("duration '" + std::string(text) +
                                       "': use a whole number with s, m, h or d (\"30d\"), "
                                       "or \"off\"");
  if (text.size() < 2) return bad;
  std::string_view digits = text.substr(0, text.size() - 1);
  if (!AllDigits(digits) || digits.size() > 9) return bad;
  uint64_t n = 0;
  std::from_chars(digits.data(), digits.data() + digits.size(), n);
  uint64_t unit;
  switch (text.back()) {
    case 's':
      unit = 1;
      break;
    case 'm':
      unit = 60;
      break;
    case 'h':
      unit = 3600;
      break;
    case 'd':
      unit = 86400;
      break;
    default:
      return bad;
  }
  if (n == 0) return bad;
  return std::chrono::seconds(static_cast<int64_t>(n * unit));
}

}  // namespace otc::relay
