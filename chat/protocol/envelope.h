// The otc2 envelope: authenticated facts about a message that travel encrypted in front of
// its text when the otc2 header's envelope flag (0x02) is set.
//
// Layout (all integers little-endian), at the start of the encrypted plaintext:
//
//   envelope := env_len u8 || fields[env_len]
//   field    := type u8 || len u8 || value[len]
//
//   type 1  sent time  len 8  i64: the sender's clock, milliseconds since the Unix epoch
//   type 2  witness    len 8  u64: one past the furthest byte of the *recipient's* pad stream
//                             the sender has decrypted, as a stream offset in the
//                             recipient's direction (0 = nothing decrypted yet). Stream offset
//                             k of direction +1 is pad index k; of direction -1 it is index
//                             n-1-k (chat/protocol/pad_stream.h), so the value compares
//                             directly with the recipient's own stream position.
//
// Moving the split (padstore/split_grants.h), all about the package's own pad generation:
//   type 3  given      len 8  u64: the total the sender has granted the recipient from the
//                             far end of its own stream (cumulative: the recipient keeps
//                             the maximum, so a lost or repeated package does no harm).
//   type 4  request    len 8  u64: the sender asks for more: the total it would like to have
//                             been granted (cumulative like `given`).
//   type 5  received   len 8  u64: the highest `given` total the sender has heard from the
//                             recipient: a witness of the recipient's own ledger (a restored
//                             recipient that finds it above its `given` raises it).
//   type 6  control    len 0: a control package: it carries no text and is never shown;
//                             it exists to announce a grant.
//
// Unknown types are skipped, so later fields need no new version. A known type with another
// length, a type that appears twice, or a field running past env_len is garbled
// (kInvalidArgument). The device always sends the sent time and the witness:
// kStandardEnvelopeSize = 21 bytes, which is what each message costs in pad on top of the
// otc2 formula; 10 more for each split field while the split has moved or is being asked
// to move.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "common/status.h"

namespace otc::protocol {

struct Envelope {
  std::optional<int64_t> sent_ms = std::nullopt;    // type 1
  std::optional<uint64_t> witness = std::nullopt;   // type 2
  std::optional<uint64_t> given = std::nullopt;     // type 3
  std::optional<uint64_t> request = std::nullopt;   // type 4
  std::optional<uint64_t> received = std::nullopt;  // type 5
  bool control = false;                             // type 6
  bool operator==(const Envelope&) const = default;
};

inline constexpr uint8_t kEnvelopeSentTime = 1;
inline constexpr uint8_t kEnvelopeWitness = 2;
inline constexpr uint8_t kEnvelopeGiven = 3;
inline constexpr uint8_t kEnvelopeRequest = 4;
inline constexpr uint8_t kEnvelopeReceived = 5;
inline constexpr uint8_t kEnvelopeControl = 6;
// env_len is a u8: an envelope is at most 1 + 255 bytes.
inline constexpr size_t kMaxEnvelopeSize = 256;
// env_len + (type, len, 8-byte value) for the sent time and the witness.
inline constexpr size_t kStandardEnvelopeSize = 1 + 2 * (2 + 8);

// Bytes Encode writes for `envelope` (1 with no fields).
size_t EnvelopeSize(const Envelope& envelope);
// Writes EnvelopeSize(envelope) bytes to `out` (which must be that long).
void EncodeEnvelope(const Envelope& envelope, std::span<uint8_t> out);
// Reads the envelope at the start of `plaintext`. Returns its size (env_len + 1); the
// message text follows it. kInvalidArgument when it is garbled (see above).
Result<size_t> ParseEnvelope(std::span<const uint8_t> plaintext, Envelope* envelope);

}  // namespace otc::protocol
