// Moving the split: one side gives part of its unused half to the other (the 2015 design's
// unbuilt idea, §6.1), with no race that could let both sides use the same pad byte.
//
// A pad of n bytes starts split at s: direction +1 owns [0, s) and consumes it upward,
// direction -1 owns [s, n) and consumes it downward (pad_layout.h). Each side's unused pad
// nearest the split is the far end of its own stream, so a grant always hands over the
// last bytes of the giver's stream capacity, which become the next bytes of the receiver's.
//
// Each side keeps two monotone counters, in bytes:
//
//   given     what this side has granted the peer, in total. Only this side changes it,
//             and it is made durable BEFORE any package announcing it leaves the device.
//   received  the highest total the peer has announced granting this side. Raised only by
//             an authenticated package from the peer, durably, before the bytes are used.
//
// Every package a side sends may carry its `given` total (a cumulative number, so a lost,
// reordered or repeated announcement does no harm: the receiver keeps the maximum).
//
//   own capacity  = own half + received - given       (how far this side's stream may go)
//   peer capacity = peer half + given - received       (how far it accepts the peer's stream)
//
// Why no byte is used twice: let G_ab and G_ba be the true totals the two sides have given.
// Side a's own capacity is half_a + received_a - G_ab with received_a <= G_ba, so it never
// exceeds half_a + G_ba - G_ab; side b's is at most half_b + G_ab - G_ba by the same
// argument. The two sum to at most n, so the streams (growing from opposite ends) never
// meet. A grant only ever moves bytes the giver has not used: Grant() refuses to give away
// any part of the stream below the giver's own position (plus `keep`).
//
// The peer's acceptance window (peer capacity) uses this side's exact `given` and a
// `received` that may lag the truth: it is never smaller than what the peer may really
// use, so a genuine package is never refused for lying outside it; and it never reaches
// a byte this side may use, because own capacity + peer capacity = n.
//
// Durable form: the journal's kSplit record (journal_format.h) holds both totals,
//
//   split totals := given u64 | received u64                            (16 bytes)
//
// combined by max of each (both only grow), so a repeated or stale record is harmless.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "common/status.h"

namespace otc::padstore {

// The two durable counters of a contact's ledger (a kSplit record's payload).
struct SplitTotals {
  uint64_t given = 0;
  uint64_t received = 0;

  bool empty() const { return given == 0 && received == 0; }
  void Merge(const SplitTotals& other) {
    if (other.given > given) given = other.given;
    if (other.received > received) received = other.received;
  }
  bool operator==(const SplitTotals&) const = default;
};

std::vector<uint8_t> EncodeSplitTotals(const SplitTotals& totals);
bool DecodeSplitTotals(std::span<const uint8_t> payload, SplitTotals* totals);

struct SplitGrants {
  uint64_t own_half = 0;   // bytes of the original own half (s or n - s)
  uint64_t peer_half = 0;  // the peer's original half
  uint64_t given = 0;      // total this side granted the peer (durable before announced)
  uint64_t received = 0;   // highest total the peer announced granting this side

  SplitTotals totals() const { return {given, received}; }
  // True when the counters fit the pad: each side's capacity is well defined (no
  // underflow). A ledger read from disk that fails this is corrupt.
  bool Consistent() const { return given <= own_half + received && received <= peer_half + given; }

  // How far this side's stream may run (stream offsets [0, OwnCapacity())).
  uint64_t OwnCapacity() const { return own_half + received - given; }
  // How far this side accepts the peer's stream.
  uint64_t PeerCapacity() const { return peer_half + given - received; }

  // The new `given` total after granting `amount` bytes, leaving at least `keep` unused
  // bytes above `own_used` (the stream offset below which own pad is spent or reserved).
  // Exhausted if this side cannot spare that much. The caller makes the result durable,
  // then announces it.
  Result<uint64_t> Grant(uint64_t amount, uint64_t own_used, uint64_t keep) const;

  // An authenticated package from the peer announced `total` given to this side. Returns
  // the new `received` (the maximum); InvalidArgument if `total` would let this side's
  // stream run past the whole pad (only a broken or forged peer says so).
  Result<uint64_t> Receive(uint64_t total) const;
};

}  // namespace otc::padstore
