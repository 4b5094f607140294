#include "padstore/pad_layout.h"

namespace otc::padstore {

std::string ToString(const IndexRange& r) {
  std::string s = "[";  // built with += : GCC 12 warns falsely (-Wrestrict) on "[" + ...
  s += std::to_string(r.lo);
  s += ", ";
  s += std::to_string(r.hi);
  s += ")";
  return s;
}

Status PadLayout::Validate(uint64_t pad_size, uint64_t split) {
  if (pad_size < 2) return Status::InvalidArgument("a pad needs at least 2 bytes");
  if (split == 0 || split >= pad_size) {
    return Status::InvalidArgument("split index " + std::to_string(split) +
                                   " must lie strictly inside the pad of " +
                                   std::to_string(pad_size) + " bytes");
  }
  return Status::Ok();
}

IndexRange PadLayout::StreamToIndices(Direction d, uint64_t offset, uint64_t length) const {
  IndexRange half = HalfOf(d);
  if (d == Direction::kUp) return {half.lo + offset, half.lo + offset + length};
  return {half.hi - offset - length, half.hi - offset};
}

uint64_t PadLayout::StreamBegin(Direction d, const IndexRange& r) const {
  IndexRange half = HalfOf(d);
  return d == Direction::kUp ? r.lo - half.lo : half.hi - r.hi;
}

Result<IndexRange> PadLayout::PeerPackageRange(uint64_t first_index, uint64_t length,
                                               uint64_t peer_capacity) const {
  const IndexRange part = StreamToIndices(peer_direction(), 0, peer_capacity);
  auto outside = [&]() {
    return Status::InvalidArgument(
        "pad range (first index " + std::to_string(first_index) + ", length " +
        std::to_string(length) + ") is not inside the sender's part of the pad " + ToString(part));
  };
  if (length == 0) return Status::InvalidArgument("pad range has length 0");
  if (first_index < part.lo || first_index >= part.hi) return outside();
  if (peer_direction() == Direction::kUp) {
    if (length > part.hi - first_index) return outside();
    return IndexRange{first_index, first_index + length};
  }
  if (length > first_index - part.lo + 1) return outside();
  return IndexRange{first_index + 1 - length, first_index + 1};
}

}  // namespace otc::padstore
