// PadStream: how the protocol functions receive pad bytes, without doing any I/O.
//
// A pad is an array of bytes indexed 0 .. n-1. Each of the two parties sends from its own
// half and walks it in its own direction: +1 reads pad[idx], pad[idx+1], ...; -1 reads
// pad[idx], pad[idx-1], .... The bytes a package uses, in the order it uses them, are the
// *pad stream* starting at the package's index in the sender's direction. Package and
// Unpackage pull consecutive pieces of that stream with Next(); the device implements
// PadStream over its store (after reserving / range-checking the package's pad range),
// and MemoryPadStream serves tests, benchmarks and the public test vectors.
//
// Stream order per format (details in otc1.h / otc2.h):
//   otc1: p_text (m), p_body (m + 32), p_key (16)
//   otc2: poly1305 key (32), [encrypted-length pad (4) if length hidden], p_text (m)
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "common/pad_vocabulary.h"
#include "common/status.h"

namespace otc::protocol {

// Direction (common/pad_vocabulary.h): the way a sender consumes its half of the pad.
using ::otc::Direction;

class PadStream {
 public:
  virtual ~PadStream() = default;
  // Fills `out` with the next out.size() bytes of the pad stream, in stream order, and
  // advances past them. On error nothing is consumed that a caller could rely on; the
  // protocol functions abandon the package.
  virtual Status Next(std::span<uint8_t> out) = 0;
};

// A PadStream over pad bytes held in memory. `pad` holds the pad bytes with indices
// [first_index, first_index + pad.size()); the stream starts at absolute index `start`
// and moves in `direction`. Reading past either end of `pad` is kExhausted (and consumes
// nothing). Does not copy `pad`: the span must outlive the stream.
class MemoryPadStream final : public PadStream {
 public:
  MemoryPadStream(std::span<const uint8_t> pad, uint64_t start, Direction direction,
                  uint64_t first_index = 0);

  Status Next(std::span<uint8_t> out) override;

  // Pad bytes handed out so far.
  uint64_t consumed() const { return consumed_; }

 private:
  std::span<const uint8_t> pad_;
  Direction direction_;
  size_t pos_ = 0;        // offset in pad_ of the next stream byte (when available_ > 0)
  size_t available_ = 0;  // stream bytes left before running off pad_
  uint64_t consumed_ = 0;
};

}  // namespace otc::protocol
