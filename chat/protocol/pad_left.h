// What is left of a contact's pad, computed and worded one way for every program that
// shows it: `padstore status`, the device's contacts reply, `otc contacts` and the chat.
//
// "Pad left" is the own half's unused bytes: what this side can still send with.
// "Messages left" is how many messages of kTypicalMessageBytes still fit, each costing
// what the contact's format charges for it as the device sends it (PadCost: otc1 2m + 48,
// otc2 m + 21 + 32 with the device's 21-byte envelope, more with length hiding), so the
// figure is the same wherever it is shown.
#pragma once

#include <cstdint>
#include <string>

#include "chat/protocol/format.h"

namespace otc::protocol {

inline constexpr size_t kTypicalMessageBytes = 100;

struct PadLeft {
  uint64_t bytes = 0;     // own pad bytes left
  uint64_t total = 0;     // own half, bytes (0: unknown)
  uint64_t messages = 0;  // messages of kTypicalMessageBytes that still fit
};

// `own_left` and `own_half` in bytes; `hide_length` as the device is configured (otc2).
PadLeft EstimatePadLeft(Format format, uint64_t own_left, uint64_t own_half,
                        bool hide_length = false);

// A byte count with its unit: "63 bytes", "1.5M", "512M".
std::string FormatPadBytes(uint64_t bytes);

// "1.5M of 2M pad left (75%), ~7,710 messages of 100 bytes"; without a total
// "63 bytes pad left, ~0 messages of 100 bytes".
std::string FormatPadLeft(const PadLeft& left);

}  // namespace otc::protocol
