// PadSpan: the absolute pad bytes a package's pad stream covers, with bounds checks.
//
// A package names the first byte of its pad stream (its index) and, through its length,
// how many bytes it consumes; the receiver's contact entry implies the direction. The
// device turns that into an interval to check against the sender's half and the decrypt
// log. Ranges that would run below index 0 (direction -1) or past the format's largest
// index (2^48 - 1 for otc1, 2^64 - 1 for otc2) are rejected, never wrapped. Package and
// Unpackage apply the same check themselves before reading any pad.
#pragma once

#include <cstdint>

#include "chat/protocol/format.h"
#include "chat/protocol/pad_stream.h"
#include "common/status.h"

namespace otc::protocol {

// Inclusive interval of absolute pad indices, lowest <= highest.
struct PadInterval {
  uint64_t lowest = 0;
  uint64_t highest = 0;
  friend bool operator==(const PadInterval&, const PadInterval&) = default;
};

// The pad bytes used by a stream of `length` bytes starting at `index` in `direction`.
// kInvalidArgument if length is 0, index > MaxPadIndex(format), or the range runs below
// 0 or beyond MaxPadIndex(format).
Result<PadInterval> PadSpan(Format format, uint64_t index, uint64_t length, Direction direction);

// PadSpan for a parsed header.
Result<PadInterval> PadSpan(const PackageHeader& header, Direction direction);

}  // namespace otc::protocol
