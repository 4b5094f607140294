// Journal reader (ScanJournal) and writer (JournalWriter). The format is documented in
// journal_format.h.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "common/env.h"
#include "common/status.h"
#include "padstore/copy_state.h"
#include "padstore/journal_format.h"
#include "padstore/pad_layout.h"
#include "padstore/split_grants.h"

namespace otc::padstore {

struct JournalRecord {
  RecordType type;
  uint8_t copy = 0;
  uint64_t seq = 0;
  uint64_t time = 0;
  uint64_t offset = 0;  // where the record starts in the file
  std::vector<uint8_t> payload;
};

struct JournalScan {
  std::vector<JournalRecord> records;  // every valid record copy, in file order
  std::vector<IndexRange> damage;      // byte ranges of the file holding no valid record
  uint64_t file_size = 0;
  uint64_t valid_end = 0;  // end of the last valid record

  // Damage only after the last valid record: the normal result of a crash mid-append.
  bool torn_tail() const {
    return !damage.empty() && damage.back().hi == file_size && damage.back().lo >= valid_end;
  }
  // Damage with valid records after it.
  bool has_hole() const { return !damage.empty() && damage.front().lo < valid_end; }
};

// Reads and checks every record. Never fails on damaged contents (it is reported in
// `damage`); fails only if the file cannot be read (NotFound if it does not exist).
Result<JournalScan> ScanJournal(Env& env, const std::string& path);

// Encodes one record copy (exposed for tests that build damaged journals).
std::vector<uint8_t> EncodeRecord(RecordType type, uint8_t copy, uint64_t seq, uint64_t time,
                                  std::span<const uint8_t> payload);

// Appends records. Not thread-safe: the owning contact serialises calls, except that one
// Sync may run alongside them (group commit: the contact syncs outside its lock). A Sync
// covers every Append that returned before it started. After any failed write or sync it
// refuses every further call (fail-stop; it never retries).
class JournalWriter {
 public:
  // Writes a new journal holding the meta, the snapshot, the new file's own identity
  // (when the Env can tell it), `copies` and `split` (each when not empty) to `path`.tmp, fsyncs
  // it, renames it over `path` and fsyncs the directory; then returns a writer appending to it.
  // `first_seq` numbers the meta record; the following records get the next numbers.
  static Result<std::unique_ptr<JournalWriter>> Create(Env& env, const std::string& path,
                                                       uint64_t first_seq, uint64_t time,
                                                       std::span<const uint8_t> meta,
                                                       std::span<const uint8_t> snapshot,
                                                       const CopyState& copies = {},
                                                       const SplitTotals& split = {});

  // Writes both copies of a record in one write, without syncing.
  Status Append(RecordType type, uint64_t time, std::span<const uint8_t> payload);
  // fdatasync: every appended record is durable when this returns ok.
  Status Sync();

  uint64_t size() const { return offset_; }
  uint64_t next_seq() const { return next_seq_; }
  bool failed() const { return failed_.load(); }

 private:
  JournalWriter(std::unique_ptr<File> file, uint64_t offset, uint64_t next_seq)
      : file_(std::move(file)), offset_(offset), next_seq_(next_seq) {}
  Status Fail(Status s) {
    failed_ = true;
    return s;
  }

  std::unique_ptr<File> file_;
  uint64_t offset_;
  uint64_t next_seq_;
  std::atomic<bool> failed_{false};  // atomic: a Sync may run alongside an Append
};

}  // namespace otc::padstore
