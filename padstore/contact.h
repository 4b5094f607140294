// Contact: one contact entry of an open store (internal to padstore; callers use Store).
//
// Holds the recovered state (own mark, decrypt log, burn log), the open pad, journal
// and audit log, and implements reservation, decrypt commit and burning with the
// durability rules of journal_format.h. Thread-safe: one mutex per contact guards the
// state and the journal; pad reads run outside it (pread on disjoint ranges), and so does
// the fdatasync that commits a group of concurrent decrypts.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "common/env.h"
#include "common/secret_buffer.h"
#include "common/status.h"
#include "padstore/audit_log.h"
#include "padstore/contact_meta.h"
#include "padstore/fail_stop.h"
#include "padstore/group_commit.h"
#include "padstore/interval_set.h"
#include "padstore/journal.h"
#include "padstore/mark_mirror.h"
#include "padstore/recovery.h"
#include "padstore/split_grants.h"
#include "padstore/store_paths.h"
#include "padstore/store_types.h"

namespace otc::padstore {

class Contact {
 public:
  // Recovers the contact from its journal. Unless options.read_only, then destroys any
  // used pad not yet burned, compacts the journal and opens the pad for burning.
  static Result<std::unique_ptr<Contact>> Open(Env& env, const StorePaths& paths,
                                               const ContactMeta& meta, const StoreOptions& options,
                                               FailStop* fail);
  ~Contact();

  const ContactMeta& meta() const { return meta_; }
  ContactState Info();
  // Own bytes that can still be handed out (cheap: Reserve's choice of generation).
  uint64_t OwnLeft();

  Result<OwnRange> Reserve(uint64_t length);
  Result<SecretBuffer> ReadOwn(const OwnRange& range);
  Status MarkUsed(const OwnRange& range);

  Result<PeerRange> BeginDecrypt(uint64_t first_index, uint64_t length);
  Result<SecretBuffer> ReadPeer(const PeerRange& range);
  Result<DecryptResult> CommitDecrypt(const PeerRange& range);
  Status RecordIntegrityFailure(const PeerRange& range);

  // Burns pending used pad and syncs the journal.
  Status Flush();
  // Compacts the journal now.
  Status Checkpoint();
  // Clean close: burns every used byte, writes the clean-close snapshot (exact next
  // offset). Further calls fail.
  Status Close();
  // Drops every handle without writing anything, as a crash would (tests).
  void Abandon();

  // Moves the own stream position `margin` bytes past everything counted as used (capped
  // at the own capacity), durably, burns what it skipped, and clears the "needs
  // recovery" state of a detected copy. Only when the contact needs recovery, or `force`.
  Result<RecoverReport> Recover(uint64_t margin, bool force);

  // The peer's witness (an authenticated package says the peer has decrypted our stream up
  // to offset `witness`): when that lies beyond our own stream position, this store was
  // rolled back; moves the position `margin` bytes past the witness (capped at the own
  // capacity), durably, burns what it skipped and writes a ROLLBACK audit line.
  // report.needed tells whether it moved. contact_witness.cc.
  Result<RecoverReport> MovePastWitness(uint64_t witness, uint64_t margin);
  // Moving the split (split_grants.h; contact_split.cc). Each writes a kSplit record and
  // syncs it before returning (fail-stop on error), and an audit line.
  //
  // Gives `amount` bytes from the far end of the own stream to the peer, keeping at
  // least `keep` unused bytes above the durable mark. Returns the new `given` total (to
  // announce). Exhausted if the contact cannot spare that much; Denied while it needs
  // recovery (a copy).
  Result<uint64_t> Grant(uint64_t amount, uint64_t keep);
  // The peer announced (authenticated) granting `total` bytes in all. Returns whether
  // the ledger changed (false for a repeated or lower total). InvalidArgument, nothing
  // written, for a total that could not be true (past the whole pad, or reaching peer
  // pad already decrypted).
  Result<bool> ReceiveGrant(uint64_t total);
  // The peer says it has heard this side give `peer_received` in total: more than our
  // `given` means this store was rolled back; `given` is raised to it durably (ROLLBACK
  // audit line). Returns whether it changed.
  Result<bool> HeedGrantWitness(uint64_t peer_received);

  // Retirement (Store::Retire): destroys every byte of the pad not yet destroyed, used or
  // not, syncs it, records the burns, removes the mark mirror, and closes the contact.
  Status DestroyPadAndClose();

  // Writes an audit event (used by Store for events about this contact).
  Status Audit(std::string_view event, const std::string& details);

 private:
  Contact(Env& env, const StorePaths& paths, const ContactMeta& meta, const StoreOptions& options,
          FailStop* fail);
  // One attempt of Open; `copy_seen` tells whether it found evidence of a copy.
  static Result<std::unique_ptr<Contact>> OpenOnce(Env& env, const StorePaths& paths,
                                                   const ContactMeta& meta,
                                                   const StoreOptions& options, FailStop* fail,
                                                   bool* copy_seen);

  Status CheckUsableLocked() const;
  Status FailLocked(const Status& cause);
  // Returns once the journal record just appended is durable, sharing the sync with
  // concurrent callers (mu_ is released while it runs), or the fail-stop error.
  Status WaitDurableLocked(std::unique_lock<std::mutex>& lock);
  Result<SecretBuffer> ReadPad(const IndexRange& indices, Direction stream);
  void QueueBurnLocked(const IndexRange& indices);
  Status FlushBurnsLocked();
  Status RotateLocked(uint64_t own_mark);
  // Moves the own stream position forward to `new_mark` (recover, a witness): durable
  // first (one new journal), then the mark mirror, then the skipped pad is destroyed (a
  // crash before that burns it at open). contact_copies.cc.
  Status SkipOwnStreamToLocked(uint64_t new_mark);
  Status MaybeCheckpointLocked();
  // Makes the ledger `next` durable (a kSplit record, synced) and adopts it.
  Status WriteSplitLocked(const SplitGrants& next);
  // " given=... received=... own_capacity=... peer_capacity=..." for audit lines.
  std::string LedgerDetails() const;
  // Peer stream offset one past the furthest byte decrypted (0: none).
  uint64_t PeerFrontierLocked() const;
  // Compares the journal file's identity with the one it records (copy_state.h).
  // Returns the reason when it is a copy, empty when it is the store's own file (or the
  // journal records none, or the Env cannot tell).
  std::string CopyEvidence(const RecoveredState& rec) const;
  // Reads the mark mirror: evidence of a rollback when it is ahead of `own_mark`.
  Result<std::string> MirrorEvidence(uint64_t own_mark);
  // Before moving the mark: refuses (and records a detected copy) when the mirror on
  // disk is ahead of what this contact wrote, i.e. another copy is packaging too.
  Status CheckMirrorNotAheadLocked();
  // Pad indices of the own stream [0, own capacity) and of the peer's [0, peer
  // capacity): the halves, moved by any grants.
  IndexRange OwnStreamLocked() const {
    return layout_.StreamToIndices(meta_.direction, 0, grants_.OwnCapacity());
  }
  IndexRange PeerStreamLocked() const {
    return layout_.StreamToIndices(layout_.peer_direction(), 0, grants_.PeerCapacity());
  }
  uint64_t Now() const { return clock_(); }
  std::string Who() const {
    return "peer=" + meta_.peer +
           (meta_.generation == 0 ? "" : " generation=" + std::to_string(meta_.generation));
  }

  Env& env_;
  StorePaths paths_;
  ContactMeta meta_;
  std::vector<uint8_t> meta_bytes_;
  PadLayout layout_;
  StoreOptions options_;
  std::function<uint64_t()> clock_;
  FailStop* fail_;

  std::mutex mu_;
  std::unique_ptr<File> pad_;
  // Shared so that a group-commit sync running outside mu_ keeps its journal alive if a
  // compaction replaces journal_ meanwhile (the new journal is synced when created).
  std::shared_ptr<JournalWriter> journal_;
  std::unique_ptr<AuditLog> audit_;
  bool closed_ = false;
  bool opened_ = false;         // Open finished (the destructor closes only such a contact)
  uint64_t next_seq_ = 1;       // read-only mode: the recovered next seq
  uint64_t checkpoint_at_ = 0;  // compact when the journal grows past this
  uint64_t journal_bytes_ = 0;  // read-only mode: size of the journal on disk
  uint64_t own_next_ = 0;       // next own stream offset to hand out
  uint64_t own_limit_ = 0;      // durable mark: offsets below may be handed out
  SplitGrants grants_;          // the moved split: own stream runs to OwnCapacity()
  IntervalSet decrypted_;       // peer pad indices decrypted
  IntervalSet burned_;          // pad indices destroyed
  IntervalSet pending_burn_;    // pad indices used, waiting for the next burn batch
  uint64_t last_activity_ = 0;
  uint64_t replays_ = 0;
  uint64_t integrity_failures_ = 0;
  CopyState copies_;                    // copies of this journal detected and recovered
  std::unique_ptr<MarkMirror> mirror_;  // null when StoreOptions has no mirror directory
  uint64_t mirror_mark_ = 0;            // the mirror's mark as last read or written
  // This contact wrote the mirror's value itself (only then may a clean close lower it:
  // a value merely read may be an original's that a restored copy must not erase).
  bool mirror_written_ = false;
  GroupCommit journal_commit_;  // decrypt records share journal syncs (group_commit.h)
};

}  // namespace otc::padstore
