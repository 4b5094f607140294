// fsck: checks a store and, with repair, fixes the two things that are safe to fix.
//
// Checks, per contact: the meta checksum; the journal (every record's checksum, torn
// tail, damage between valid records, a valid snapshot, the meta copy agreeing with the
// meta file) and its invariants (record numbers increase, marks only grow and stay
// inside the owner's half, decrypt ranges lie inside the peer's half and never overlap
// an earlier one, burns only destroy pad that was used); the manifest (complete, same
// pad id and size as the meta); the pad (size, mode 0600); and, unless quick, reads the
// pad at disk speed (pad_scanner.h) to verify every wholly unused chunk against its
// manifest digest and every burned range reads back as zeros (or holes).
//
// Repair may only (a) truncate a torn journal tail and (b) rewrite a damaged or missing
// meta from the journal's copy. It never un-uses pad and never touches the pad.
//
// Read-only (padstore fsck --read-only) takes no lock, so it runs beside a device using
// the store: it checks the journals' durable state, and where a journal or the pad changed
// while it was read (an append in flight, pad used and burned meanwhile) it says so in a
// note instead of reporting damage it cannot judge.
//
// Exit codes (common/cli/exit_codes.h): 0 clean, 15 errors all corrected, 14 errors left
// uncorrected, 10 in use by another process, 1 could not check (not a store, unreadable).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "common/env.h"
#include "padstore/pad_scanner.h"

namespace otc::padstore {

struct FsckOptions {
  bool repair = false;
  bool check_pad = true;   // false (--quick): metadata and journal only
  bool read_only = false;  // no lock, no repair: may run beside the store's user
  Env* env = nullptr;      // nullptr = Env::Default()
  ScanOptions scan;
  // Called now and then while pad is read: bytes done, bytes to read.
  std::function<void(uint64_t, uint64_t)> progress;
};

struct FsckProblem {
  std::string where;  // "store", "bob/meta", "bob/journal", "bob/pad", ...
  std::string what;
  bool corrected = false;
};

struct FsckContact {
  std::string peer;
  uint64_t chunks = 0;           // chunks in the manifest
  uint64_t chunks_verified = 0;  // wholly unused chunks whose digest matched
  uint64_t chunks_used = 0;      // chunks with used bytes (no digest to compare)
  uint64_t burned_bytes_checked = 0;
  uint64_t bytes_read = 0;
};

struct FsckReport {
  std::vector<FsckProblem> problems;
  std::vector<FsckContact> contacts;
  uint64_t bytes_read = 0;
  double seconds = 0;
  bool used_direct_io = false;
  bool used_io_uring = false;
  std::vector<std::string> notes;  // what a read-only check could not judge, and why
  std::string operational_error;   // the check could not run
  bool store_in_use = false;       // ... because another process holds the store

  bool corrected() const;
  bool uncorrected() const;
  int ExitCode() const;
};

FsckReport Fsck(const std::string& store_dir, const FsckOptions& options);

}  // namespace otc::padstore
