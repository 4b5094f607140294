// The words every component uses for a pad's direction and a contact's message format.
//
// padgen decides them when it registers a contact, padstore keeps them in the contact's
// meta file (1 = +1 / 2 = otc2 there too: the enumerator values are the stored bytes),
// chat/protocol packages with them and the device RPC names them ("otc1", "otc2"). One
// definition here keeps the four from drifting apart.
#pragma once

#include <cstdint>
#include <string_view>

#include "common/status.h"

namespace otc {

// The direction in which a sender consumes its half of the pad.
enum class Direction : int8_t {
  kUp = 1,     // pad[idx], pad[idx + 1], ...: the first user, from index 0 upward
  kDown = -1,  // pad[idx], pad[idx - 1], ...: the second user, from the last index down
};

// "+1" / "-1".
std::string_view DirectionName(Direction d);
// Accepts "+1", "1", "-1".
Result<Direction> ParseDirection(std::string_view text);
inline Direction Opposite(Direction d) {
  return d == Direction::kUp ? Direction::kDown : Direction::kUp;
}
// +1 / -1, for JSON reports.
inline int DirectionSign(Direction d) { return static_cast<int>(d); }

// A pad is created for one message format and keeps it for life.
enum class Format : uint8_t {
  kOtc1 = 1,  // 2015 design: XOR + HMAC-SHA256 under pad key; 2m + 48 pad bytes
  kOtc2 = 2,  // XOR + one-time Poly1305; m + 32 pad bytes (more with an inner header)
};

// "otc1" / "otc2".
std::string_view FormatName(Format format);
// Parses "otc1" / "otc2" (exactly); anything else is kInvalidArgument.
Result<Format> ParseFormat(std::string_view name);

}  // namespace otc
