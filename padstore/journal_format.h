// Journal format: STORE/contacts/<peer>/journal, the durable history of one contact.
//
// The journal is a sequence of self-checksummed records (LevelDB log_format.h style),
// appended in place and compacted by replacing the whole file (see below). All integers
// are little-endian; CRC = CRC32C (ISA-L).
//
//   record := magic    u32 = 0x4a43544f ("OTCJ" in file order)
//             crc      u32     CRC32C of every byte after this field (length ... payload)
//             length   u32     payload bytes (<= kMaxPayload)
//             type     u8      RecordType below
//             copy     u8      0 or 1: every record is written twice, back to back, in
//                              one write (copy 0 then copy 1, same seq and payload)
//             reserved u16 = 0
//             seq      u64     logical record number, +1 per logical record, never reused
//                              within a store's lifetime (it continues across compactions)
//             time     u64     seconds since the epoch when the record was written
//             payload  length bytes
//
//   journal := record{kMeta} record{kMeta}             the contact's meta file bytes
//              record{kSnapshot} record{kSnapshot}     the folded state (snapshot.h)
//              [ record{kIdentity} x2 ]                which file this journal is
//              [ record{kCopyState} x2 ]               copies detected / recovered
//              [ record{kSplit} x2 ]                   the moved split's totals
//              ( record{kMark|kDecrypt|kBurn|kCopyState|kSplit} x2 )*
//
// Payloads:
//   kMeta     : the meta file, byte for byte (contact_meta.h), so fsck --repair can
//               rewrite a damaged meta from the journal.
//   kSnapshot : see snapshot.h.
//   kMark     : own_mark u64 -- the reservation high-water mark: stream offsets below it
//               may have been handed out. Written and fsync'd BEFORE any of them is handed
//               out; after a crash everything below the highest mark counts as used.
//   kDecrypt  : lo u64, hi u64 -- pad indices [lo, hi) of the peer's half were decrypted.
//               Written and fsync'd before the plaintext is released.
//   kBurn     : lo u64, hi u64 -- pad indices [lo, hi) were destroyed (zeroed and synced,
//               or hole-punched); only written after the pad file's fdatasync.
//   kIdentity : file_system u64, inode u64, birth_ns i64 -- the identity of this journal
//               file itself, read from it before its first write (copy_state.h). Only in
//               the records a new journal starts with; journals written before it existed
//               have none, and are stamped at their next compaction.
//   kCopyState: detected u64, recovered u64 -- copies of the store detected and recovered
//               (copy_state.h); combined by max. Packaging is refused while
//               detected > recovered.
//   kSplit    : given u64, received u64 -- the contact's split ledger (split_grants.h):
//               own pad granted to the peer in total, and the highest total the peer
//               announced granting this side; combined by max of each. A new journal
//               carries it after kCopyState whenever either is non-zero. `given` is
//               written and fsync'd before any package announcing it leaves the device;
//               `received` before any byte of the grant is handed out. The marks and
//               decrypt ranges are checked against the capacities this gives (own mark
//               <= own half + received - given; decrypt ranges inside the peer stream
//               [0, peer half + given - received)) after the whole journal is folded.
//               A build older than this record refuses such a journal ("unknown record
//               type"), which is the safe outcome: it would check against the original
//               halves.
//
// Every record is idempotent (marks combine by max, ranges by union), so recovery
// folds every valid copy of every record in any order: it never stops at the first bad
// record, because a failed fsync can leave a hole before later durable records, and the
// maximum over all valid copies of the mark is the only safe mark. Writing each record
// twice means a single damaged copy (a flipped bit) loses nothing.
//
// A torn tail (bytes after the last valid record that do not form one) is the normal
// result of a crash during an append: that append was never acknowledged. Damage
// followed by valid records (a "hole") means a write failed or the media is damaged.
//
// Compaction (checkpoint): the state is folded into a snapshot and written with the meta
// to journal.tmp, which is fsync'd and renamed over journal (then the directory is
// fsync'd). The journal's size and the time to reopen the store are therefore bounded by
// the snapshot size (the number of gaps in the decrypt and burn logs) plus the
// compaction threshold, never by the number of messages ever sent. A store is compacted
// when it is opened, when it is closed (the clean-close snapshot records the exact next
// stream offset, so no batch is wasted), and whenever the journal grows past the
// threshold.
#pragma once

#include <cstddef>
#include <cstdint>

namespace otc::padstore {

enum class RecordType : uint8_t {
  kMeta = 1,
  kSnapshot = 2,
  kMark = 3,
  kDecrypt = 4,
  kBurn = 5,
  kIdentity = 6,
  kCopyState = 7,
  kSplit = 8,
};

inline constexpr uint32_t kJournalMagic = 0x4a43544f;  // bytes "OTCJ"
inline constexpr size_t kRecordHeaderSize = 32;
inline constexpr uint32_t kMaxPayload = 1u << 30;  // 1 GiB: ~67M snapshot intervals

}  // namespace otc::padstore
