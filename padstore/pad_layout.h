// Pad geometry: the two halves of a shared pad, who sends from which, and stream order.
//
// A pad of n bytes is split at index s (0 < s < n). As in the 2015 design:
//
//     index:   0                        s                         n-1
//              [ half of direction +1 -> | <- half of direction -1 ]
//
//   * The owner with direction +1 encrypts from index 0 upward, using [0, s).
//   * The owner with direction -1 encrypts from index n-1 downward, using [s, n).
//   * Each side decrypts with the other side's half, in the other side's direction.
//
// A *stream* is the sequence of pad bytes a sender consumes, in order. Stream offset k of
// direction +1 is index k; stream offset k of direction -1 is index n-1-k. A package
// carries the pad index of its first stream byte (the "first index") and its length L:
//
//   direction +1: first index F covers indices [F, F+L), stream runs upward;
//   direction -1: first index T covers indices [T-L+1, T], stream runs downward (pad
//                 byte T is XORed with message byte 0, T-1 with byte 1, ...).
//
// Every range below is a half-open interval of pad indices [lo, hi); all offsets are
// 64-bit.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/pad_vocabulary.h"
#include "common/status.h"

namespace otc::padstore {

// Direction and Format (common/pad_vocabulary.h) are otc-wide words; padstore uses them
// unqualified from the enclosing namespace.

// A half-open range of pad indices [lo, hi).
struct IndexRange {
  uint64_t lo = 0;
  uint64_t hi = 0;
  uint64_t size() const { return hi - lo; }
  bool empty() const { return hi <= lo; }
  bool Contains(const IndexRange& r) const { return lo <= r.lo && r.hi <= hi; }
  bool operator==(const IndexRange&) const = default;
};
// "[lo, hi)" for messages and logs.
std::string ToString(const IndexRange& r);

class PadLayout {
 public:
  PadLayout() = default;
  PadLayout(uint64_t pad_size, uint64_t split, Direction own)
      : pad_size_(pad_size), split_(split), own_(own) {}

  // InvalidArgument unless 0 < split < pad_size.
  static Status Validate(uint64_t pad_size, uint64_t split);

  uint64_t pad_size() const { return pad_size_; }
  uint64_t split() const { return split_; }
  Direction own_direction() const { return own_; }
  Direction peer_direction() const { return Opposite(own_); }

  IndexRange HalfOf(Direction d) const {
    return d == Direction::kUp ? IndexRange{0, split_} : IndexRange{split_, pad_size_};
  }
  IndexRange OwnHalf() const { return HalfOf(own_); }
  IndexRange PeerHalf() const { return HalfOf(peer_direction()); }

  // Pad indices covered by stream offsets [offset, offset+length) of direction d. A
  // stream may run past its half once the split has moved (split_grants.h): direction +1
  // still counts from index 0, -1 from index n-1. Requires offset + length <= pad size.
  IndexRange StreamToIndices(Direction d, uint64_t offset, uint64_t length) const;
  // Stream offset of the first byte of `r` in direction d's stream (the lowest offset
  // any of its bytes has). Requires r inside the pad.
  uint64_t StreamBegin(Direction d, const IndexRange& r) const;
  // The package's first index for indices `r` sent in direction d.
  static uint64_t FirstIndex(Direction d, const IndexRange& r) {
    return d == Direction::kUp ? r.lo : r.hi - 1;
  }

  // The indices a package from the peer covers, given its first index and length.
  // InvalidArgument if the length is zero or the range is not wholly inside the peer's
  // stream [0, peer_capacity) (indices [0, cap) for direction +1, [n - cap, n) for -1;
  // the capacity is the peer's half moved by any grants, split_grants.h), checked
  // without overflow for any 64-bit input. Requires peer_capacity <= pad size.
  Result<IndexRange> PeerPackageRange(uint64_t first_index, uint64_t length,
                                      uint64_t peer_capacity) const;

 private:
  uint64_t pad_size_ = 0;
  uint64_t split_ = 0;
  Direction own_ = Direction::kUp;
};

}  // namespace otc::padstore
