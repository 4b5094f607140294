// Contact::MovePastWitness: the peer as a witness of how far this store has packaged.
//
// Every otc2 package from the peer carries (authenticated) how far it has decrypted our
// stream. A store cannot have handed out less than the peer has decrypted, so a witness
// beyond our own stream position means this store was rolled back (a restored snapshot
// that kept the journal's inode, which copy detection cannot see): everything between our
// position and the witness has been used already, and more beyond it may have been, by
// packages still on their way. The position moves past the witness by the recover margin.
#include <algorithm>
#include <string>

#include "padstore/contact.h"

namespace otc::padstore {

Result<RecoverReport> Contact::MovePastWitness(uint64_t witness, uint64_t margin) {
  std::lock_guard lock(mu_);
  if (Status s = CheckUsableLocked(); !s.ok()) return s;
  RecoverReport report;
  report.peer = meta_.peer;
  report.generation = meta_.generation;
  report.old_mark = own_next_;
  report.new_mark = own_next_;
  if (witness <= own_next_) return report;  // the normal case: the peer saw no more than we used
  report.needed = true;
  const uint64_t capacity = grants_.OwnCapacity();
  // A witness past the own capacity still ends there.
  const uint64_t seen = std::min(witness, capacity);
  report.new_mark = std::max(own_limit_, seen + std::min(margin, capacity - seen));
  if (Status s = SkipOwnStreamToLocked(report.new_mark); !s.ok()) return s;
  if (audit_) {
    Status s = audit_->Append(
        "ROLLBACK", Who() + " witness=" + std::to_string(witness) +
                        " old_mark=" + std::to_string(report.old_mark) +
                        " new_mark=" + std::to_string(report.new_mark) +
                        " skipped=" + std::to_string(report.skipped()) +
                        ": the peer has decrypted own pad beyond this store's position, so the "
                        "store was rolled back (restored); moved past it");
    if (!s.ok()) return FailLocked(s);
  }
  return report;
}

}  // namespace otc::padstore
