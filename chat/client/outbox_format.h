// The outbox file's format: packaged messages waiting for the relay's acknowledgement.
//
// One file per user (outbox.h says where). Modelled on LevelDB's log format: small
// self-checking records appended in order, so a torn or flipped record is detected and the
// records around it are still read. All integers are little-endian.
//
//   file    := magic record*
//   magic   := "OTCOUTB1"                                      (8 bytes)
//   record  := crc:u32  length:u32  type:u8  payload[length]
//              crc = CRC32C (Castagnoli) of type and payload
//   type 1, queued:  id:u64  queued_unix:i64  index:u64
//                    to_len:u16  to[to_len]  package_len:u32  package[package_len]
//   type 2, done:    id:u64  ref:u64
//
// `queued` is written (and fsync'd) before the first send attempt: `package` is the
// device's base64 package (ciphertext; the plaintext is never written), `index` its pad
// index, `to` the recipient, `queued_unix` the time it was queued (seconds since the
// epoch), `id` a random number naming the entry. `done` says the entry has left: `ref` is
// the relay's ref for it, or 0 if the relay refused it for good (reported to the user
// then). An entry is pending while it has a `queued` and no `done` record; pending
// entries are sent in file order, which is the order they were packaged in.
//
// Damage: a record whose length runs past the end of the file or whose crc does not match
// is damaged. The parser then looks for the next intact record at every later byte
// offset (a false match needs a 32-bit crc collision), so intact entries after the damage
// are still found.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace otc::client {

inline constexpr std::string_view kOutboxMagic = "OTCOUTB1";
inline constexpr size_t kOutboxRecordHeader = 9;  // crc, length, type
// Far above any package the device makes; a longer length is damage.
inline constexpr uint32_t kOutboxMaxPayload = 64u << 20;

struct OutboxEntry {
  uint64_t id = 0;
  std::string to;
  uint64_t index = 0;       // the package's pad index
  int64_t queued_unix = 0;  // when it was queued
  std::string package_b64;  // the device's package: ciphertext only
};

// A whole `queued` record for `entry`.
std::string EncodeQueuedRecord(const OutboxEntry& entry);
// A whole `done` record: entry `id` left the outbox with relay ref `ref` (0: refused).
std::string EncodeDoneRecord(uint64_t id, uint64_t ref);

struct ParsedOutbox {
  std::vector<OutboxEntry> pending;  // queued and not done, in file order
  size_t done_records = 0;
  size_t damaged_bytes = 0;  // bytes that are not part of an intact record (or the magic)
  bool bad_magic = false;
};

// Parses a whole outbox file's bytes. Never fails: damage is counted, intact records kept.
ParsedOutbox ParseOutbox(std::string_view bytes);

// CRC32C (ISA-L's crc32_iscsi): "123456789" -> 0xe3069283.
uint32_t OutboxCrc32c(std::string_view data);

}  // namespace otc::client
