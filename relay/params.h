// Validation of the relay API's request fields.
//
//   uid        [a-z0-9_.-]{1,64}                      (sender_uid, recipient_uid)
//   ref        decimal digits, 0 .. 2^63-1            (start_ref, up_to_ref); a JSON body
//                                                     may give it as a non-negative integer
//   maxcount   decimal integer 1 .. max
//   wait       decimal seconds, 0 .. 60, at most 3 decimals ("0.5", "30")
//
// Anything else (signs, spaces, hex, exponents, empty text) is rejected: a malformed
// field is a client bug to report, never something to guess at.
#pragma once

#include <chrono>
#include <cstdint>
#include <string_view>

#include <nlohmann/json.hpp>

#include "common/status.h"

namespace otc::relay {

inline constexpr size_t kMaxUidLength = 64;

bool IsValidUid(std::string_view uid);

// From text (query string or form) or from a JSON value (number or digit string).
Result<uint64_t> ParseRef(std::string_view text);
Result<uint64_t> ParseRef(const nlohmann::json& value);

Result<uint64_t> ParseCount(std::string_view text, uint64_t max);

Result<std::chrono::milliseconds> ParseWait(std::string_view text, std::chrono::milliseconds max);

// Durations as operators type them: "90s", "15m", "12h", "30d", or "0"/"off" (none).
Result<std::chrono::seconds> ParseDuration(std::string_view text);

}  // namespace otc::relay
