#include "padstore/contact.h"

#include <algorithm>
#include <ctime>

#include "common/byte_size.h"
#include "padstore/recovery.h"
#include "padstore/snapshot.h"

namespace otc::padstore {
namespace {

constexpr size_t kZeroBlock = size_t{1} << 20;

const std::vector<uint8_t>& Zeros() {
  static const std::vector<uint8_t>* zeros = new std::vector<uint8_t>(kZeroBlock, 0);
  return *zeros;
}

bool AllZero(std::span<const uint8_t> bytes) {
  return std::all_of(bytes.begin(), bytes.end(), [](uint8_t b) { return b == 0; });
}

// A read of at least this many bytes that is all zeros is refused: random pad is all
// zeros with probability 2^-128, burned pad always is.
constexpr size_t kZeroCheckMin = 16;

std::string RangeDetails(const std::string& who, uint64_t first, uint64_t length,
                         const IndexRange* indices) {
  std::string s =
      who + " first_index=" + std::to_string(first) + " length=" + std::to_string(length);
  if (indices != nullptr) s += " range=" + ToString(*indices);
  return s;
}

}  // namespace

Contact::Contact(Env& env, const StorePaths& paths, const ContactMeta& meta,
                 const StoreOptions& options, FailStop* fail)
    : env_(env),
      paths_(paths),
      meta_(meta),
      meta_bytes_(EncodeContactMeta(meta)),
      layout_(meta.layout()),
      options_(options),
      clock_(options.clock ? options.clock
                           : [] { return static_cast<uint64_t>(std::time(nullptr)); }),
      fail_(fail) {}

Contact::~Contact() {
  // Only a contact that finished opening may write on its way out: one whose recovery
  // failed has an empty state, and its clean-close snapshot would replace the journal it
  // refused (and with it the record of every byte used).
  if (opened_ && !closed_) Close().ok();  // errors were reported by Close callers
}

Result<std::unique_ptr<Contact>> Contact::Open(Env& env, const StorePaths& paths,
                                               const ContactMeta& meta, const StoreOptions& options,
                                               FailStop* fail) {
  bool copy_seen = false;
  Result<std::unique_ptr<Contact>> c = OpenOnce(env, paths, meta, options, fail, &copy_seen);
  // A read-only open takes no lock: beside a running device, a journal rewrite or a mark
  // move between the reads looks like a copy. Only evidence that holds on a second and
  // third look is reported.
  for (int look = 0; look < 2 && options.read_only && c.ok() && copy_seen; ++look) {
    copy_seen = false;
    c = OpenOnce(env, paths, meta, options, fail, &copy_seen);
  }
  return c;
}

Result<std::unique_ptr<Contact>> Contact::OpenOnce(Env& env, const StorePaths& paths,
                                                   const ContactMeta& meta,
                                                   const StoreOptions& options, FailStop* fail,
                                                   bool* copy_seen) {
  std::unique_ptr<Contact> c(new Contact(env, paths, meta, options, fail));
  const std::string journal_path = paths.Journal(meta.peer, meta.generation);
  Result<JournalScan> scan = ScanJournal(env, journal_path);
  if (!scan.ok()) {
    if (scan.status().code() == Status::Code::kNotFound) {
      return Status::Corruption("contact " + meta.peer + ": journal " + journal_path +
                                " is missing; run padstore fsck");
    }
    return scan.status();
  }
  Result<RecoveredState> rec = RecoverJournal(*scan, c->layout_, journal_path);
  if (!rec.ok()) return rec.status();
  if (rec->meta_bytes) {
    Result<ContactMeta> jmeta = DecodeContactMeta(*rec->meta_bytes, journal_path + " (meta copy)");
    if (!jmeta.ok()) return jmeta.status();
    if (!(*jmeta == meta)) {
      return Status::Corruption("contact " + meta.peer +
                                ": the meta file and the journal's copy of it disagree; run "
                                "padstore fsck");
    }
  }
  const uint64_t own_mark = rec->state.own_mark;
  c->own_next_ = c->own_limit_ = own_mark;
  c->decrypted_ = std::move(rec->state.decrypted);
  c->burned_ = std::move(rec->state.burned);
  c->last_activity_ = rec->state.last_activity;
  c->next_seq_ = rec->next_seq;
  c->journal_bytes_ = scan->file_size;
  c->copies_ = rec->copies;
  c->grants_ = SplitGrants{c->layout_.OwnHalf().size(), c->layout_.PeerHalf().size(),
                           rec->split.given, rec->split.received};
  if (!options.mark_mirror_dir.empty()) {
    c->mirror_ =
        std::make_unique<MarkMirror>(env, options.mark_mirror_dir, options.store_instance, meta);
  }
  Result<std::string> mirror_evidence = c->MirrorEvidence(own_mark);
  if (!mirror_evidence.ok()) return mirror_evidence.status();
  std::string copy_evidence = c->CopyEvidence(*rec);
  if (!mirror_evidence->empty()) {
    // A moved store keeps its marks; a mirror ahead of them is a rollback either way.
    copy_evidence += (copy_evidence.empty() ? "" : " ") + *mirror_evidence;
    c->copies_.Detect();
  }
  if (!copy_evidence.empty() && !options.adopt_moved) c->copies_.Detect();
  *copy_seen = !copy_evidence.empty();
  if (options.read_only) {
    c->opened_ = true;
    return c;
  }

  Result<std::unique_ptr<AuditLog>> audit =
      AuditLog::Open(env, paths.ContactAudit(meta.peer, meta.generation), c->clock_, kBoundedAudit);
  if (!audit.ok()) return audit.status();
  c->audit_ = std::move(*audit);
  Result<std::unique_ptr<File>> pad =
      env.OpenFile(paths.Pad(meta.peer, meta.generation), {.write = true});
  if (!pad.ok()) return pad.status().WithContext("contact " + meta.peer);
  Result<uint64_t> pad_size = (*pad)->Size();
  if (!pad_size.ok()) return pad_size.status();
  if (*pad_size < meta.pad_size) {
    return Status::Corruption("contact " + meta.peer + ": pad file has " +
                              std::to_string(*pad_size) + " bytes, meta says " +
                              std::to_string(meta.pad_size) + "; run padstore fsck");
  }
  c->pad_ = std::move(*pad);

  std::lock_guard lock(c->mu_);
  if (!copy_evidence.empty()) {
    // Written before the journal is rewritten with its new identity, and that journal
    // carries the copy state, so the detection survives a crash in between.
    Status s = options.adopt_moved
                   ? c->audit_->Append("STORE_MOVED", c->Who() + " " + copy_evidence +
                                                          ": adopted by padstore move")
                   : c->audit_->Append("STORE_COPIED",
                                       c->Who() + " " + copy_evidence +
                                           ": packaging is refused until padstore recover");
    if (!s.ok()) return c->FailLocked(s);
  }
  if (!scan->damage.empty()) {
    uint64_t bytes = 0;
    for (const IndexRange& d : scan->damage) bytes += d.size();
    Status s = c->audit_->Append("JOURNAL_DAMAGE",
                                 c->Who() + " ranges=" + std::to_string(scan->damage.size()) +
                                     " bytes=" + std::to_string(bytes) +
                                     (scan->has_hole() ? " kind=hole" : " kind=torn_tail") +
                                     ": recovered from every valid record copy; the journal is "
                                     "rewritten now");
    if (!s.ok()) return c->FailLocked(s);
  }
  // Everything below the mark counts as used now: destroy what was not destroyed yet
  // (a crash between use and burn, or the rest of a reservation batch).
  for (const IndexRange& g :
       c->burned_.Gaps(c->layout_.StreamToIndices(meta.direction, 0, own_mark).lo,
                       c->layout_.StreamToIndices(meta.direction, 0, own_mark).hi)) {
    c->QueueBurnLocked(g);
  }
  for (const IndexRange& d : c->decrypted_.Intervals()) {
    for (const IndexRange& g : c->burned_.Gaps(d.lo, d.hi)) c->QueueBurnLocked(g);
  }
  // Compact first (the burn records need a journal to go to), then burn.
  if (Status s = c->RotateLocked(own_mark); !s.ok()) return s;
  if (c->mirror_ && c->mirror_mark_ < own_mark) {
    // A first open with a mirror, or a mirror lost: it starts from the journal's mark.
    if (Status s = c->mirror_->Write(own_mark); !s.ok()) return c->FailLocked(s);
    c->mirror_mark_ = own_mark;
    c->mirror_written_ = true;
  }
  if (Status s = c->FlushBurnsLocked(); !s.ok()) return s;
  c->opened_ = true;
  return c;
}

Status Contact::CheckUsableLocked() const {
  if (Status s = fail_->status(); !s.ok()) return s;
  if (closed_) return Status::Failed("contact " + meta_.peer + " is closed");
  if (options_.read_only) {
    return Status::Denied("the store was opened read-only; contact " + meta_.peer +
                          " cannot hand out or consume pad");
  }
  return Status::Ok();
}

Status Contact::FailLocked(const Status& cause) {
  fail_->Fail(cause);
  if (audit_) audit_->Append("FAIL_STOP", Who() + " cause=\"" + cause.ToString() + "\"").ok();
  return cause;
}

ContactState Contact::Info() {
  std::lock_guard lock(mu_);
  ContactState info;
  info.meta = meta_;
  info.own_half = layout_.OwnHalf().size();
  info.own_capacity = grants_.OwnCapacity();
  info.own_used = own_next_;
  info.own_left = info.own_capacity - own_next_;
  info.own_spare = info.own_capacity - own_limit_;
  info.peer_half = layout_.PeerHalf().size();
  info.peer_capacity = grants_.PeerCapacity();
  info.split_given = grants_.given;
  info.split_received = grants_.received;
  info.decrypted = decrypted_.Measure();
  info.peer_frontier = PeerFrontierLocked();
  info.peer_skipped = info.peer_frontier - info.decrypted;
  info.burned = burned_.Measure();
  info.pending_burn = pending_burn_.Measure();
  info.last_activity = last_activity_;
  info.decrypt_intervals = decrypted_.IntervalCount();
  info.burn_intervals = burned_.IntervalCount();
  info.journal_bytes = journal_ ? journal_->size() : journal_bytes_;
  info.replays = replays_;
  info.integrity_failures = integrity_failures_;
  info.needs_recovery = copies_.needs_recovery();
  info.all_own_half = info.own_capacity;
  info.all_own_left = info.own_left;
  return info;
}

uint64_t Contact::PeerFrontierLocked() const {
  if (decrypted_.empty()) return 0;
  // Peer stream offsets count from the peer's end of the pad, past the split too.
  return layout_.peer_direction() == Direction::kUp ? *decrypted_.End()
                                                    : layout_.pad_size() - *decrypted_.Min();
}

uint64_t Contact::OwnLeft() {
  std::lock_guard lock(mu_);
  return grants_.OwnCapacity() - own_next_;
}

Result<OwnRange> Contact::Reserve(uint64_t length) {
  std::lock_guard lock(mu_);
  if (Status s = CheckUsableLocked(); !s.ok()) return s;
  if (length == 0) return Status::InvalidArgument("cannot reserve 0 bytes of pad");
  if (copies_.needs_recovery()) {
    return Status::Denied("the store " + paths_.root + " is a copy or was restored from one (" +
                          meta_.peer +
                          "'s journal is not the file the store wrote), so packaging could "
                          "reuse pad; run padstore recover --store " +
                          paths_.root + " (it skips past anything the original may have used)");
  }
  const uint64_t capacity = grants_.OwnCapacity();
  const uint64_t left = capacity - own_next_;
  if (length > left) {
    return Status::Exhausted("pad for " + meta_.peer + " is exhausted: " + std::to_string(left) +
                             " bytes (" + FormatByteSize(left) +
                             ") of the own pad are left, the message needs " +
                             std::to_string(length) + "; make a new pad with padgen");
  }
  if (length > own_limit_ - own_next_) {
    if (Status s = CheckMirrorNotAheadLocked(); !s.ok()) return s;
    // Move the durable mark ahead BEFORE handing out any byte below it.
    // The batch is capped at 1/64 of the capacity: a mark far ahead would leave nothing
    // to grant the peer (grants never give below the durable mark).
    const uint64_t end = own_next_ + length;
    const uint64_t batch = std::min(options_.reserve_batch, std::max<uint64_t>(capacity / 64, 1));
    const uint64_t new_limit = end + std::min(batch, capacity - end);
    Status s = journal_->Append(RecordType::kMark, Now(), EncodeU64(new_limit));
    if (s.ok()) s = journal_->Sync();
    if (s.ok() && mirror_) s = mirror_->Write(new_limit);
    if (!s.ok()) return FailLocked(s);
    if (mirror_) {
      mirror_mark_ = new_limit;
      mirror_written_ = true;
    }
    journal_commit_.CoverAll();
    own_limit_ = new_limit;
  }
  OwnRange r;
  r.peer = meta_.peer;
  r.generation = meta_.generation;
  r.length = length;
  r.stream_offset = own_next_;
  r.indices = layout_.StreamToIndices(meta_.direction, own_next_, length);
  r.first_index = PadLayout::FirstIndex(meta_.direction, r.indices);
  own_next_ += length;
  last_activity_ = Now();
  if (Status s = MaybeCheckpointLocked(); !s.ok()) return s;
  return r;
}

Result<SecretBuffer> Contact::ReadPad(const IndexRange& indices, Direction stream) {
  SecretBuffer buf(indices.size());
  Status s = ReadFully(*pad_, indices.lo, buf.span());
  if (!s.ok()) return s.WithContext("reading pad of " + meta_.peer);
  if (buf.size() >= kZeroCheckMin && AllZero(buf.span())) {
    return Status::Corruption("pad of " + meta_.peer + " at " + ToString(indices) +
                              " reads back as zeros (burned or damaged); refusing to use it; "
                              "run padstore fsck");
  }
  if (stream == Direction::kDown) std::reverse(buf.data(), buf.data() + buf.size());
  return buf;
}

Result<SecretBuffer> Contact::ReadOwn(const OwnRange& range) {
  {
    std::lock_guard lock(mu_);
    if (Status s = CheckUsableLocked(); !s.ok()) return s;
    if (range.length != range.indices.size() || !OwnStreamLocked().Contains(range.indices) ||
        range.indices.empty() ||
        layout_.StreamBegin(meta_.direction, range.indices) + range.length > own_next_) {
      return Status::InvalidArgument("range " + ToString(range.indices) +
                                     " was not handed out by Reserve for " + meta_.peer);
    }
    if (burned_.Overlaps(range.indices) || pending_burn_.Overlaps(range.indices)) {
      return Status::InvalidArgument("range " + ToString(range.indices) + " of " + meta_.peer +
                                     " was already marked used; its pad is being destroyed");
    }
  }
  return ReadPad(range.indices, meta_.direction);
}

Status Contact::MarkUsed(const OwnRange& range) {
  std::lock_guard lock(mu_);
  if (Status s = CheckUsableLocked(); !s.ok()) return s;
  if (!OwnStreamLocked().Contains(range.indices) || range.indices.empty() ||
      layout_.StreamBegin(meta_.direction, range.indices) + range.indices.size() > own_next_) {
    return Status::InvalidArgument("range " + ToString(range.indices) +
                                   " was not handed out by Reserve for " + meta_.peer);
  }
  for (const IndexRange& g : burned_.Gaps(range.indices.lo, range.indices.hi)) QueueBurnLocked(g);
  if (pending_burn_.Measure() >= options_.burn_batch) return FlushBurnsLocked();
  return Status::Ok();
}

Result<PeerRange> Contact::BeginDecrypt(uint64_t first_index, uint64_t length) {
  std::lock_guard lock(mu_);
  if (Status s = CheckUsableLocked(); !s.ok()) return s;
  Result<IndexRange> indices =
      layout_.PeerPackageRange(first_index, length, grants_.PeerCapacity());
  if (!indices.ok()) {
    Status a = audit_->Append("RANGE", RangeDetails(Who(), first_index, length, nullptr) +
                                           ": not inside the sender's part of the pad " +
                                           ToString(PeerStreamLocked()) + "; refused, no pad read");
    if (!a.ok()) return FailLocked(a);
    return indices.status();
  }
  if (decrypted_.Overlaps(*indices)) {
    ++replays_;
    Status a = audit_->Append("REPLAY", RangeDetails(Who(), first_index, length, &*indices) +
                                            ": pad already decrypted; refused");
    if (!a.ok()) return FailLocked(a);
    return Status::Replay("pad range " + ToString(*indices) + " from " + meta_.peer +
                          " was already decrypted: a replayed or duplicated message; refused");
  }
  return PeerRange{meta_.peer, first_index, length, *indices, meta_.generation};
}

Result<SecretBuffer> Contact::ReadPeer(const PeerRange& range) {
  {
    std::lock_guard lock(mu_);
    if (Status s = CheckUsableLocked(); !s.ok()) return s;
    Result<IndexRange> indices =
        layout_.PeerPackageRange(range.first_index, range.length, grants_.PeerCapacity());
    if (!indices.ok() || !(*indices == range.indices)) {
      return Status::InvalidArgument("peer range was not produced by BeginDecrypt");
    }
  }
  return ReadPad(range.indices, layout_.peer_direction());
}

Result<DecryptResult> Contact::CommitDecrypt(const PeerRange& range) {
  std::unique_lock lock(mu_);
  if (Status s = CheckUsableLocked(); !s.ok()) return s;
  Result<IndexRange> indices =
      layout_.PeerPackageRange(range.first_index, range.length, grants_.PeerCapacity());
  if (!indices.ok() || !(*indices == range.indices)) {
    return Status::InvalidArgument("peer range was not produced by BeginDecrypt");
  }
  const IndexRange r = *indices;
  if (decrypted_.Overlaps(r)) {
    ++replays_;
    Status a =
        audit_->Append("REPLAY", RangeDetails(Who(), range.first_index, range.length, &r) +
                                     ": pad already decrypted (concurrent duplicate); refused");
    if (!a.ok()) return FailLocked(a);
    return Status::Replay("pad range " + ToString(r) + " from " + meta_.peer +
                          " was already decrypted: a replayed or duplicated message; refused");
  }
  DecryptResult result;
  const Direction peer_dir = layout_.peer_direction();
  const uint64_t frontier = PeerFrontierLocked();
  const uint64_t begin = layout_.StreamBegin(peer_dir, r);
  if (begin >= frontier) {
    result.skipped = begin - frontier;
  } else {
    result.late = true;
  }
  // Persist before the caller may release the plaintext: append, then wait for a journal
  // sync that covers the record (group commit: concurrent decrypts share one fdatasync).
  // The range counts as decrypted from the append on, so a concurrent duplicate is refused
  // as a replay while this one waits; if the sync fails the whole store fail-stops.
  Status s = journal_->Append(RecordType::kDecrypt, Now(), EncodeRange(r));
  if (!s.ok()) return FailLocked(s);
  decrypted_.Insert(r);
  last_activity_ = Now();
  if (Status d = WaitDurableLocked(lock); !d.ok()) return d;
  if (Status u = CheckUsableLocked(); !u.ok()) return u;  // closed while it waited
  // The decrypt is durable now, so a retry would be a replay: a failure of the work after
  // it (burning, compacting, the audit line) stops the store (each calls FailLocked), but
  // the result is still returned, or the message would be lost for good.
  QueueBurnLocked(r);
  if (pending_burn_.Measure() >= options_.burn_batch) FlushBurnsLocked().ok();
  if (!fail_->failed()) MaybeCheckpointLocked().ok();
  if (result.skipped == 0 && !result.late) return result;
  // Audit outside the contact's lock, so that concurrent out-of-order decrypts (common
  // with several clients) share the audit log's syncs instead of queueing on this lock.
  AuditLog* audit = audit_.get();
  const std::string details = RangeDetails(Who(), range.first_index, range.length, &r);
  lock.unlock();
  Status a = result.skipped > 0
                 ? audit->Append("SKIP", details + " skipped=" + std::to_string(result.skipped) +
                                             ": never-seen pad before this message (dropped "
                                             "messages?)")
                 : audit->Append("LATE", details + ": out-of-order message filled a gap");
  if (!a.ok()) {
    lock.lock();
    FailLocked(a).ok();  // stops the store; the decrypt stands
  }
  return result;
}

Status Contact::WaitDurableLocked(std::unique_lock<std::mutex>& lock) {
  // The leader syncs the journal current when it starts; its copy keeps that journal
  // alive if a compaction replaces journal_ meanwhile (RotateLocked covers every ticket:
  // the new journal is synced when created and holds every record).
  Status s = journal_commit_.Wait(
      lock, journal_commit_.Issue(), [this] { return fail_->status(); },
      [this] { return [journal = journal_] { return journal->Sync(); }; });
  if (!s.ok() && fail_->status().ok()) return FailLocked(s);  // this thread led the sync
  return s;
}

Status Contact::RecordIntegrityFailure(const PeerRange& range) {
  std::lock_guard lock(mu_);
  if (Status s = fail_->status(); !s.ok()) return s;
  if (closed_ || !audit_) return Status::Failed("contact " + meta_.peer + " is closed");
  ++integrity_failures_;
  Status a = audit_->Append(
      "INTEGRITY", RangeDetails(Who(), range.first_index, range.length, &range.indices) +
                       ": authentication tag mismatch (forgery or damage); nothing consumed");
  if (!a.ok()) return FailLocked(a);
  return Status::Ok();
}

Status Contact::Audit(std::string_view event, const std::string& details) {
  std::lock_guard lock(mu_);
  if (!audit_) return Status::Ok();  // read-only
  Status a = audit_->Append(event, Who() + " " + details);
  if (!a.ok()) return FailLocked(a);
  return a;
}

void Contact::QueueBurnLocked(const IndexRange& indices) { pending_burn_.Insert(indices); }

Status Contact::FlushBurnsLocked() {
  if (pending_burn_.empty()) return Status::Ok();
  std::vector<IndexRange> ranges = pending_burn_.Intervals();
  for (const IndexRange& r : ranges) {
    if (options_.burn_mode == BurnMode::kPunchHole) {
      if (Status s = pad_->PunchHole(r.lo, r.size()); !s.ok()) {
        return FailLocked(s.WithContext("burning pad of " + meta_.peer));
      }
      continue;
    }
    for (uint64_t at = r.lo; at < r.hi;) {
      size_t n = static_cast<size_t>(std::min<uint64_t>(kZeroBlock, r.hi - at));
      if (Status s = WriteFully(*pad_, at, std::span(Zeros()).first(n)); !s.ok()) {
        return FailLocked(s.WithContext("burning pad of " + meta_.peer));
      }
      at += n;
    }
  }
  if (Status s = pad_->DataSync(); !s.ok()) {
    return FailLocked(s.WithContext("syncing burned pad of " + meta_.peer));
  }
  // Only now may the burn be recorded (fsck checks that burned ranges read as zeros).
  for (const IndexRange& r : ranges) {
    if (Status s = journal_->Append(RecordType::kBurn, Now(), EncodeRange(r)); !s.ok()) {
      return FailLocked(s);
    }
    burned_.Insert(r);
  }
  pending_burn_.Clear();
  return Status::Ok();
}

Status Contact::RotateLocked(uint64_t own_mark) {
  Snapshot snap;
  snap.own_mark = own_mark;
  snap.last_activity = last_activity_;
  snap.decrypted = decrypted_;
  snap.burned = burned_;
  uint64_t seq = journal_ ? journal_->next_seq() : next_seq_;
  Result<std::unique_ptr<JournalWriter>> w =
      JournalWriter::Create(env_, paths_.Journal(meta_.peer, meta_.generation), seq, Now(),
                            meta_bytes_, EncodeSnapshot(snap), copies_, grants_.totals());
  if (!w.ok()) return FailLocked(w.status().WithContext("compacting the journal of " + meta_.peer));
  journal_ = std::move(*w);
  journal_commit_.CoverAll();  // the new journal was synced with every record in it
  checkpoint_at_ = std::max(options_.checkpoint_bytes, 2 * journal_->size());
  return Status::Ok();
}

Status Contact::MaybeCheckpointLocked() {
  if (journal_->size() <= checkpoint_at_) return Status::Ok();
  return RotateLocked(own_limit_);
}

Status Contact::Flush() {
  std::lock_guard lock(mu_);
  if (Status s = CheckUsableLocked(); !s.ok()) return s;
  if (Status s = FlushBurnsLocked(); !s.ok()) return s;
  if (Status s = journal_->Sync(); !s.ok()) return FailLocked(s);
  journal_commit_.CoverAll();
  return Status::Ok();
}

Status Contact::Checkpoint() {
  std::lock_guard lock(mu_);
  if (Status s = CheckUsableLocked(); !s.ok()) return s;
  return RotateLocked(own_limit_);
}

Status Contact::Close() {
  std::lock_guard lock(mu_);
  if (closed_) return Status::Ok();
  Status s = CheckUsableLocked();
  if (s.code() == Status::Code::kDenied) s = Status::Ok();  // read-only: nothing to write
  if (s.ok() && !options_.read_only) {
    // The session is over: every byte handed out is used, released or not.
    IndexRange used = layout_.StreamToIndices(meta_.direction, 0, own_next_);
    for (const IndexRange& g : burned_.Gaps(used.lo, used.hi)) QueueBurnLocked(g);
    s = FlushBurnsLocked();
    // Clean close: the snapshot records the exact next offset, so the unused rest of the
    // reservation batch is not lost. The mirror follows it down first: a crash in between
    // leaves the mirror behind the journal, which is safe (ahead would read as a rollback).
    // Only a mirror this contact wrote itself is lowered: a higher one was written by
    // a copy of the store that went further, and must stay.
    Result<std::optional<uint64_t>> on_disk =
        mirror_ ? mirror_->Read() : Result<std::optional<uint64_t>>(std::optional<uint64_t>());
    const bool mirror_is_ours =
        mirror_written_ && on_disk.ok() && *on_disk == std::optional(mirror_mark_);
    if (s.ok() && mirror_ && mirror_is_ours && mirror_mark_ > own_next_) {
      s = mirror_->Write(own_next_);
      if (s.ok()) mirror_mark_ = own_next_;
      if (!s.ok()) s = FailLocked(s);
    }
    if (s.ok()) s = RotateLocked(own_next_);
  }
  closed_ = true;
  journal_.reset();
  pad_.reset();
  audit_.reset();
  return s;
}

void Contact::Abandon() {
  std::lock_guard lock(mu_);
  closed_ = true;
  journal_.reset();
  pad_.reset();
  audit_.reset();
}

}  // namespace otc::padstore
