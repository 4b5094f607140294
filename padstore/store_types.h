// The public value types of the padstore API (store.h): options, the ranges handed to
// callers, and per-contact information.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "common/env.h"
#include "common/secret_buffer.h"
#include "padstore/contact_meta.h"
#include "padstore/pad_layout.h"

namespace otc::padstore {

enum class BurnMode {
  kZero,       // overwrite used pad with zeros, then fdatasync (works on devices too)
  kPunchHole,  // FALLOC_FL_PUNCH_HOLE: deallocate (regular files on ext4/xfs/btrfs/tmpfs)
};

struct StoreOptions {
  Env* env = nullptr;  // nullptr = Env::Default()
  // Reservation batch: the durable mark is moved this far ahead of the bytes handed out,
  // so most reservations cost no fsync. After a crash up to this much own pad is skipped.
  // Capped at 1/64 of the contact's own capacity (at least 1 byte): pad below the durable
  // mark can never be granted to the peer (split_grants.h), so a 1 MiB batch on a 32 KiB
  // half would leave nothing to give from the first message on.
  uint64_t reserve_batch = uint64_t{1} << 20;
  // Used pad is destroyed in batches of this many bytes (and on Flush/Close/open).
  uint64_t burn_batch = uint64_t{1} << 20;
  BurnMode burn_mode = BurnMode::kZero;
  // The journal is compacted when it grows past max(this, 2 x its size after the last
  // compaction).
  uint64_t checkpoint_bytes = uint64_t{1} << 20;
  // Open without writing anything (status): no lock, no recovery burn, no compaction,
  // and every operation that would consume pad is refused. It works beside the process
  // that holds the store and sees the journals' durable state: own pad that process has
  // reserved ahead (up to reserve_batch) counts as used.
  bool read_only = false;
  // Seconds since the epoch; default: the system clock.
  std::function<uint64_t()> clock;
  // A deliberate move (padstore move): journals that are copies of the store's own are
  // adopted (re-stamped with their new identity) instead of flagged as a copy.
  bool adopt_moved = false;
  // Where each contact's reservation mark is mirrored outside the store (mark_mirror.h);
  // empty = no mirror. The device and the padstore tool use DefaultMarkMirrorDir().
  std::string mark_mirror_dir = "";
  // Filled in by Store::Open: the store's instance id (store_meta.h), in hex.
  std::string store_instance = "";
};

// What `padstore recover` did to one contact.
struct RecoverReport {
  std::string peer;
  uint32_t generation = 0;
  bool needed = false;    // the contact was flagged as copied (or recovery was forced)
  uint64_t old_mark = 0;  // own stream offset below which everything counted as used
  uint64_t new_mark = 0;  // and now
  uint64_t skipped() const { return new_mark - old_mark; }
};

// What `padstore retire` did.
struct RetireReport {
  std::string peer;
  uint32_t generation = 0;
  uint64_t pad_size = 0;  // bytes destroyed (every byte of the pad)
  uint64_t own_left = 0;  // own bytes that were still unused when it was retired
};

struct RecoverOptions {
  std::string peer;     // only this contact (empty: all)
  uint64_t margin = 0;  // bytes to skip past the mark; 0 = max(kMinRecoverMargin, 1% of the half)
  bool force = false;   // also contacts not flagged as copied (a restore copy detection missed)
};
inline constexpr uint64_t kMinRecoverMargin = uint64_t{1} << 20;

// A range of the owner's half handed out by Store::Reserve. Never handed out again.
struct OwnRange {
  std::string peer;
  uint32_t generation = 0;     // which of the contact's pads (a renewal adds one)
  uint64_t first_index = 0;    // the package index: pad index of the first stream byte
  uint64_t length = 0;         // bytes
  IndexRange indices;          // the pad indices covered, [lo, hi)
  uint64_t stream_offset = 0;  // offset of the first byte in the owner's stream
};

// What Reserve returns: the range and its pad bytes in stream order (for direction -1
// pad[first_index] first, then pad[first_index - 1], ...).
struct Reservation {
  OwnRange range;
  SecretBuffer pad;
};

// A range of the peer's half named by an incoming package, checked by BeginDecrypt.
struct PeerRange {
  std::string peer;
  uint64_t first_index = 0;
  uint64_t length = 0;
  IndexRange indices;
  uint32_t generation = 0;  // which of the contact's pads
};

// The outcome of a committed decrypt.
struct DecryptResult {
  // Bytes of never-seen pad between the furthest byte decrypted before and this range:
  // > 0 means messages were probably dropped (warn the user).
  uint64_t skipped = 0;
  // The range lies behind the furthest byte decrypted before: a late, out-of-order
  // message filling a gap.
  bool late = false;
};

struct ContactState {
  ContactMeta meta;
  uint64_t own_half = 0;  // bytes in the owner's original half
  // Own stream length after any move of the split (split_grants.h):
  // own_half + split_received - split_given.
  uint64_t own_capacity = 0;
  uint64_t own_used = 0;   // own bytes handed out or counted as used
  uint64_t own_left = 0;   // own bytes that can still be handed out (own_capacity - own_used)
  uint64_t own_spare = 0;  // own bytes above the durable mark: what a grant could give
  uint64_t peer_half = 0;  // bytes in the peer's original half
  // The peer's stream length this side accepts: peer_half + split_given - split_received.
  uint64_t peer_capacity = 0;
  uint64_t split_given = 0;     // own pad granted to the peer, in total
  uint64_t split_received = 0;  // pad the peer announced granting this side, in total
  uint64_t decrypted = 0;       // peer bytes decrypted
  uint64_t peer_skipped = 0;    // never-seen peer bytes behind the furthest decrypted byte
  // Peer stream offset one past the furthest byte decrypted (0: none): the witness the
  // device sends back in each otc2 envelope (chat/protocol/envelope.h).
  uint64_t peer_frontier = 0;
  uint64_t burned = 0;         // bytes destroyed (both halves)
  uint64_t pending_burn = 0;   // used bytes waiting for the next burn batch
  uint64_t last_activity = 0;  // seconds since the epoch (0 = never)
  uint64_t decrypt_intervals = 0;
  uint64_t burn_intervals = 0;
  uint64_t journal_bytes = 0;
  uint64_t replays = 0;             // refused replays since the store was opened
  uint64_t integrity_failures = 0;  // since the store was opened
  // The store was found copied or restored (copy_state.h): packaging is refused until
  // `padstore recover`.
  bool needs_recovery = false;
  // Store::Info only: the generations the contact holds and the own pad over all of them,
  // after any move of the split (sums of own_capacity and own_left; the Contact itself
  // fills these for its one generation).
  uint32_t generations = 1;
  uint64_t all_own_half = 0;
  uint64_t all_own_left = 0;
  // Estimated messages left at 100 bytes of pad each.
  uint64_t MessagesLeft() const { return own_left / 100; }
};

}  // namespace otc::padstore
