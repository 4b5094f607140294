// Copy detection: how a contact's journal knows whether it is the file the store wrote,
// or a copy of it (cp -a, rsync -a, tar, a restore from a backup).
//
// Why: a store that is copied, used, and then replaced by the copy would hand out the
// same pad again (two ciphertexts under one pad reveal the XOR of their plaintexts).
//
// Every journal the store writes (journal.h, JournalWriter::Create) carries, beside the
// snapshot, a kIdentity record naming the journal file itself: its file system id, inode
// and birth time, read from the new file before its contents are written. A copy is a new
// file, so on open the recorded identity differs from the file's real one (an inode number
// reused by the file system comes back with a new birth time).
//
// The contact then "needs recovery": it still decrypts, but refuses to package until
// `padstore recover` moves its encrypt position past anything the original could have
// used. That state is itself durable, in kCopyState records, so rewriting the journal
// (which stamps the new file's identity) cannot forget it:
//
//   identity   := file_system u64 | inode u64 | birth_ns i64            (24 bytes)
//   copy state := detected u64 | recovered u64                          (16 bytes)
//
// Both numbers only grow (records combine by max, like marks): a detection sets
// detected = recovered + 1, a recovery sets recovered = detected. The contact needs
// recovery while detected > recovered.
//
// What this cannot see: a block-level clone or snapshot of the whole file system restored
// in place keeps inode and birth time. docs/SECURITY.md describes that window.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "common/env.h"

namespace otc::padstore {

struct CopyState {
  uint64_t detected = 0;
  uint64_t recovered = 0;

  bool needs_recovery() const { return detected > recovered; }
  bool empty() const { return detected == 0 && recovered == 0; }
  void Merge(const CopyState& other);
  // Marks a copy as detected (a no-op while one is already waiting for recovery).
  void Detect();
  // Marks every detected copy as recovered.
  void Recover() { recovered = detected; }
};

std::vector<uint8_t> EncodeIdentity(const FileIdentity& id);
bool DecodeIdentity(std::span<const uint8_t> payload, FileIdentity* id);
std::vector<uint8_t> EncodeCopyState(const CopyState& state);
bool DecodeCopyState(std::span<const uint8_t> payload, CopyState* state);

}  // namespace otc::padstore
