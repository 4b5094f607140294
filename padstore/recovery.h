// Recovery: folds a scanned journal (journal.h) into the contact's state.
//
// Every valid copy of every record is applied, in any order (records are idempotent):
// the own mark is the maximum over the snapshot and all kMark records, the decrypt and
// burn logs are unions. Damage never stops the fold (journal_format.h explains why).
// Recovery refuses (Corruption) only when it cannot be sure of a safe state: no valid
// snapshot, a record whose contents violate the pad geometry (a mark past the end of the
// owner's half, a decrypt range outside the peer's half), or an unknown record type.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "common/status.h"
#include "padstore/copy_state.h"
#include "padstore/journal.h"
#include "padstore/pad_layout.h"
#include "padstore/snapshot.h"

namespace otc::padstore {

struct RecoveredState {
  Snapshot state;         // folded: own_mark is the maximum mark, logs are unions
  uint64_t next_seq = 0;  // one past the highest seq seen
  std::optional<std::vector<uint8_t>> meta_bytes;  // the kMeta payload, if a copy is valid
  // The journal file's recorded identity (copy_state.h); none in journals older than it.
  std::optional<FileIdentity> identity;
  bool identity_conflict = false;  // two different identities: it cannot be trusted
  CopyState copies;                // folded kCopyState records
};

Result<RecoveredState> RecoverJournal(const JournalScan& scan, const PadLayout& layout,
                                      const std::string& what);

}  // namespace otc::padstore
