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

// Pad generations: a contact may hold several pads, generation 0, 1, 2, ... (padgen adds
// the next one when two people meet again). A package names its pad in the top 16 bits
// of its u64 index and the pad index below them:
//     package index = (generation << 48) | pad index
// so generation 0 packages are exactly the pad index (byte-identical to packages made
// before renewals existed), and the generation is covered by the tag like the rest of the
// index. Hence every pad is at most 2^48 bytes and a contact has at most 2^16 generations.
// otc1's 6-byte index has no room for a generation: otc1 contacts are not renewed.
inline constexpr int kGenerationShift = 48;
inline constexpr uint64_t kMaxPadSize = uint64_t{1} << kGenerationShift;  // 256 TiB
inline constexpr uint32_t kMaxGeneration = 0xFFFF;
inline constexpr uint64_t PackageIndex(uint32_t generation, uint64_t pad_index) {
  return (uint64_t{generation} << kGenerationShift) | pad_index;
}
inline constexpr uint32_t GenerationOfIndex(uint64_t package_index) {
  return static_cast<uint32_t>(package_index >> kGenerationShift);
}
inline constexpr uint64_t PadIndexOfIndex(uint64_t package_index) {
  return package_index & (kMaxPadSize - 1);
}

}  // namespace otc
