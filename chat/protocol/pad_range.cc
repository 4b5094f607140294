#include "chat/protocol/pad_range.h"

#include <string>

namespace otc::protocol {

Result<PadInterval> PadSpan(Format format, uint64_t index, uint64_t length, Direction direction) {
  const uint64_t max = MaxPadIndex(format);
  if (length == 0) return Status::InvalidArgument("pad range of length 0");
  if (index > max) {
    return Status::InvalidArgument("pad index " + std::to_string(index) + " beyond the " +
                                   std::string(FormatName(format)) + " maximum " +
                                   std::to_string(max));
  }
  const uint64_t extent = length - 1;
  if (direction == Direction::kUp) {
    if (extent > max - index) {
      return Status::InvalidArgument("pad range of " + std::to_string(length) +
                                     " bytes from index " + std::to_string(index) +
                                     " runs past the largest pad index " + std::to_string(max));
    }
    return PadInterval{index, index + extent};
  }
  if (extent > index) {
    return Status::InvalidArgument("pad range of " + std::to_string(length) +
                                   " bytes backwards from index " + std::to_string(index) +
                                   " runs below pad index 0");
  }
  return PadInterval{index - extent, index};
}

Result<PadInterval> PadSpan(const PackageHeader& header, Direction direction) {
  return PadSpan(header.format, header.index, header.pad_length, direction);
}

}  // namespace otc::protocol
