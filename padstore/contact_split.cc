// Contact: moving the split (split_grants.h holds the design and its safety argument).
//
// The ledger's two totals live in kSplit journal records (journal_format.h). Each change
// is durable before it has any effect outside this contact: a grant before the caller
// may announce it, a received grant before any of its bytes is handed out, a ledger
// raised by the peer's witness before the next reservation.
#include <algorithm>
#include <string>

#include "padstore/contact.h"

namespace otc::padstore {

Status Contact::WriteSplitLocked(const SplitGrants& next) {
  Status s = journal_->Append(RecordType::kSplit, Now(), EncodeSplitTotals(next.totals()));
  if (s.ok()) s = journal_->Sync();
  if (!s.ok()) return FailLocked(s);
  journal_commit_.CoverAll();
  grants_ = next;
  return MaybeCheckpointLocked();
}

std::string Contact::LedgerDetails() const {
  return " given=" + std::to_string(grants_.given) +
         " received=" + std::to_string(grants_.received) +
         " own_capacity=" + std::to_string(grants_.OwnCapacity()) +
         " peer_capacity=" + std::to_string(grants_.PeerCapacity());
}

Result<uint64_t> Contact::Grant(uint64_t amount, uint64_t keep) {
  std::lock_guard lock(mu_);
  if (Status s = CheckUsableLocked(); !s.ok()) return s;
  if (amount == 0) return Status::InvalidArgument("cannot grant 0 bytes of pad");
  if (copies_.needs_recovery()) {
    return Status::Denied("the store " + paths_.root + " is a copy or was restored from one (" +
                          meta_.peer +
                          "'s journal is not the file the store wrote), so it cannot tell which "
                          "pad is unused; run padstore recover --store " +
                          paths_.root);
  }
  // Another copy of the store in use may have handed out pad above our mark.
  if (Status s = CheckMirrorNotAheadLocked(); !s.ok()) return s;
  // Below the durable mark pad may have been handed out: never give that away.
  Result<uint64_t> given = grants_.Grant(amount, own_limit_, keep);
  if (!given.ok()) return given.status().WithContext("contact " + meta_.peer);
  SplitGrants next = grants_;
  next.given = *given;
  if (Status s = WriteSplitLocked(next); !s.ok()) return s;
  Status a =
      audit_->Append("SPLIT_GRANT", Who() + " amount=" + std::to_string(amount) + LedgerDetails());
  if (!a.ok()) return FailLocked(a);
  return *given;
}

Result<bool> Contact::ReceiveGrant(uint64_t total) {
  std::lock_guard lock(mu_);
  if (Status s = CheckUsableLocked(); !s.ok()) return s;
  if (total <= grants_.received) return false;  // repeated or stale: the maximum stands
  Result<uint64_t> received = grants_.Receive(total);
  if (!received.ok()) return received.status().WithContext("contact " + meta_.peer);
  SplitGrants next = grants_;
  next.received = *received;
  // The peer can only give pad it has not used: none of what we already decrypted.
  if (next.PeerCapacity() < PeerFrontierLocked()) {
    return Status::InvalidArgument(
        "contact " + meta_.peer + ": the peer announced granting " + std::to_string(total) +
        " bytes, which would include its pad already decrypted here (up to stream offset " +
        std::to_string(PeerFrontierLocked()) + ")");
  }
  if (Status s = WriteSplitLocked(next); !s.ok()) return s;
  Status a =
      audit_->Append("SPLIT_RECEIVED", Who() + " total=" + std::to_string(total) + LedgerDetails());
  if (!a.ok()) return FailLocked(a);
  return true;
}

Result<bool> Contact::HeedGrantWitness(uint64_t peer_received) {
  std::lock_guard lock(mu_);
  if (Status s = CheckUsableLocked(); !s.ok()) return s;
  if (peer_received <= grants_.given) return false;  // the normal case
  // Keep the own capacity at or above the durable mark (pad below it counts as used, and
  // the journal's marks must stay inside the capacity): only a restored store that
  // already used the granted pad gets here, and it can only stop using more.
  const uint64_t ceiling = grants_.own_half + grants_.received - own_limit_;
  SplitGrants next = grants_;
  next.given = std::min(peer_received, ceiling);
  const bool clamped = next.given < peer_received;
  const uint64_t old_given = grants_.given;
  if (next.given > old_given) {
    if (Status s = WriteSplitLocked(next); !s.ok()) return s;
  }
  Status a = audit_->Append(
      "ROLLBACK",
      Who() + " ledger peer_received=" + std::to_string(peer_received) +
          " old_given=" + std::to_string(old_given) + LedgerDetails() +
          ": the peer has heard this side grant more pad than the store's ledger records, so "
          "the store was rolled back (restored); the granted pad is the peer's" +
          (clamped ? "; clamped at the durable mark " + std::to_string(own_limit_) +
                         " (own pad the restored store counted as used)"
                   : std::string()));
  if (!a.ok()) return FailLocked(a);
  return grants_.given > old_given;
}

}  // namespace otc::padstore
