// Recovery: folds a scanned journal (journal.h) into the contact's state.
//
// Every valid copy of every record is applied, in any order (records are idempotent):
// the own mark is the maximum over the snapshot and all kMark records, the decrypt and
// burn logs are unions. Damage never stops the fold (journal_format.h explains why).
// Recovery refuses (Corruption) only when it cannot be sure of a safe state: no valid
// snapshot, a record whose contents violate the pad geometry, or an unknown record type.
// Marks and decrypt ranges are checked after the fold, against the capacities of the
// folded split ledger (split_grants.h): the own mark must not pass the own capacity, and
// decrypt ranges must lie inside the peer's stream [0, peer capacity); a record alone
// cannot tell, because a kSplit record anywhere in the journal moves both limits.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "common/status.h"
#include "padstore/copy_state.h"
#include "padstore/journal.h"
#include "padstore/pad_layout.h"
#include "padstore/snapshot.h"
#include "padstore/split_grants.h"

namespace otc::padstore {

struct RecoveredState {
  Snapshot state;         // folded: own_mark is the maximum mark, logs are unions
  uint64_t next_seq = 0;  // one past the highest seq seen
  std::optional<std::vector<uint8_t>> meta_bytes;  // the kMeta payload, if a copy is valid
  // The journal file's recorded identity (copy_state.h); none in journals older than it.
  std::optional<FileIdentity> identity;
  bool identity_conflict = false;  // two different identities: it cannot be trusted
  CopyState copies;                // folded kCopyState records
  SplitTotals split;               // folded kSplit records (the moved split)
};

Result<RecoveredState> RecoverJournal(const JournalScan& scan, const PadLayout& layout,
                                      const std::string& what);

}  // namespace otc::padstore
