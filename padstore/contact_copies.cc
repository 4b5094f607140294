// Contact: what a copied or restored store knows about itself, and `padstore recover`.
//
// A contact's journal records its own identity (file system, inode, birth time) and its
// reservation mark is mirrored outside the store (copy_state.h, mark_mirror.h). A journal
// found elsewhere than where it was written, or a mirror ahead of the journal, is evidence
// that this store is a copy (or a restore) whose original may have packaged further: such
// a contact decrypts but refuses to package until Recover() moves it past anything the
// original could have used.
#include <algorithm>
#include <string>

#include "padstore/contact.h"
#include "padstore/recovery.h"

namespace otc::padstore {

Status Contact::CheckMirrorNotAheadLocked() {
  if (!mirror_) return Status::Ok();
  Result<std::optional<uint64_t>> on_disk = mirror_->Read();
  if (!on_disk.ok()) return FailLocked(on_disk.status());
  if (!on_disk->has_value() || **on_disk <= mirror_mark_) return Status::Ok();
  // Another copy of this store, open at the same time, moved the mark further.
  mirror_mark_ = **on_disk;
  copies_.Detect();
  Status s = journal_->Append(RecordType::kCopyState, Now(), EncodeCopyState(copies_));
  if (s.ok()) s = journal_->Sync();
  if (!s.ok()) return FailLocked(s);
  journal_commit_.CoverAll();
  s = audit_->Append("STORE_COPIED", Who() + " mark_mirror=" + std::to_string(mirror_mark_) +
                                         ">own_limit=" + std::to_string(own_limit_) +
                                         ": another copy of this store is in use; packaging "
                                         "is refused until padstore recover");
  if (!s.ok()) return FailLocked(s);
  return Status::Denied("another copy of the store " + paths_.root + " moved " + meta_.peer +
                        "'s pad further (its mark mirror " + mirror_->path() +
                        " is ahead); stop the other copy, then run padstore recover --store " +
                        paths_.root);
}

Result<std::string> Contact::MirrorEvidence(uint64_t own_mark) {
  if (!mirror_) return std::string();
  Result<std::optional<uint64_t>> mirrored = mirror_->Read();
  if (!mirrored.ok()) return mirrored.status();
  if (!mirrored->has_value()) return std::string();
  mirror_mark_ = **mirrored;
  if (mirror_mark_ <= own_mark) return std::string();
  return "mark_mirror=" + std::to_string(mirror_mark_) +
         ">journal_mark=" + std::to_string(own_mark);
}

std::string Contact::CopyEvidence(const RecoveredState& rec) const {
  if (!rec.identity) return "";  // written before copy detection existed
  Result<std::unique_ptr<File>> file =
      env_.OpenFile(paths_.Journal(meta_.peer, meta_.generation), {});
  if (!file.ok()) return "";  // the scan just read it; a race here is no evidence
  Result<FileIdentity> now = (*file)->Identity();
  if (!now.ok()) return "";
  if (rec.identity_conflict) return "journal_identity=conflicting";
  const FileIdentity& was = *rec.identity;
  if (now->file_system != was.file_system) return "journal_file_system=changed";
  if (now->inode != was.inode) return "journal_inode=changed";
  if (now->birth_ns != was.birth_ns) return "journal_birth_time=changed";
  return "";
}

Result<RecoverReport> Contact::Recover(uint64_t margin, bool force) {
  std::lock_guard lock(mu_);
  if (Status s = CheckUsableLocked(); !s.ok()) return s;
  RecoverReport report;
  report.peer = meta_.peer;
  report.generation = meta_.generation;
  report.needed = copies_.needs_recovery() || force;
  // Everything below the durable mark may have been handed out by this store (and by
  // the original, up to its own mark, which is unknown here: hence the margin).
  report.old_mark = own_limit_;
  report.new_mark = own_limit_;
  if (!report.needed) return report;
  const uint64_t capacity = grants_.OwnCapacity();
  // The mirror, when ahead, knows how far the original went: start from there (never
  // past the own capacity: what lies beyond belongs to the peer now).
  const uint64_t base = std::min(std::max(own_limit_, mirror_mark_), capacity);
  report.new_mark = std::max(own_limit_, base + std::min(margin, capacity - base));
  CopyState recovered = copies_;
  recovered.Recover();
  // The new position and the cleared state become durable together, in one new journal.
  const CopyState before = copies_;
  copies_ = recovered;
  if (Status s = SkipOwnStreamToLocked(report.new_mark); !s.ok()) {
    copies_ = before;
    return s;
  }
  if (audit_) {
    Status s = audit_->Append("RECOVERED", Who() + " old_mark=" + std::to_string(report.old_mark) +
                                               " new_mark=" + std::to_string(report.new_mark) +
                                               " skipped=" + std::to_string(report.skipped()));
    if (!s.ok()) return FailLocked(s);
  }
  return report;
}

Status Contact::SkipOwnStreamToLocked(uint64_t new_mark) {
  const IndexRange skipped =
      layout_.StreamToIndices(meta_.direction, own_next_, new_mark - own_next_);
  if (Status s = RotateLocked(new_mark); !s.ok()) return s;
  own_next_ = own_limit_ = new_mark;
  if (mirror_ && new_mark >= mirror_mark_) {
    if (Status s = mirror_->Write(new_mark); !s.ok()) return FailLocked(s);
    mirror_mark_ = new_mark;
    mirror_written_ = true;
  }
  if (!skipped.empty()) {
    for (const IndexRange& g : burned_.Gaps(skipped.lo, skipped.hi)) QueueBurnLocked(g);
  }
  return FlushBurnsLocked();
}

}  // namespace otc::padstore
