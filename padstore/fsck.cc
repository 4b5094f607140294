#include "padstore/fsck.h"

#include "padstore/generations.h"

#include <openssl/crypto.h>
#include <sys/stat.h>

#define XXH_STATIC_LINKING_ONLY  // XXH3_state_t on the stack, so it can be wiped
#include <xxhash.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <functional>
#include <map>
#include <memory>
#include <span>

#include "common/cli/exit_codes.h"
#include "common/encoding.h"
#include "padstore/contact_meta.h"
#include "padstore/generations.h"
#include "padstore/interval_set.h"
#include "padstore/journal.h"
#include "padstore/manifest.h"
#include "padstore/recovery.h"
#include "padstore/snapshot.h"
#include "padstore/store_meta.h"
#include "padstore/store_paths.h"
#include "padstore/uid.h"

namespace otc::padstore {
namespace {

// Which parts of the pad the scan reads: wholly unused chunks are read to verify their
// digest; chunks holding burned bytes are read to check those bytes are zero.
struct PadScanPlan {
  std::vector<IndexRange> extents;  // byte ranges to read, in file order
  std::vector<bool> verify;         // per chunk: unused, so its digest must match
  uint64_t total = 0;               // bytes in extents
};

PadScanPlan ChunkPlan(const ContactMeta& meta, const Snapshot& state, const Manifest& manifest,
                      FsckContact* out) {
  // Classify chunks: wholly unused -> verify digest; anything burned -> must be zero.
  const PadLayout layout = meta.layout();
  IntervalSet used = state.decrypted;
  used.Insert(layout.StreamToIndices(meta.direction, 0, state.own_mark));
  for (const IndexRange& b : state.burned.Intervals()) used.Insert(b);
  PadScanPlan plan;
  std::vector<IndexRange>& extents = plan.extents;
  plan.verify.assign(out->chunks, false);
  for (uint64_t i = 0; i < out->chunks; ++i) {
    const uint64_t lo = i * manifest.chunk_size, hi = lo + manifest.ChunkLength(i);
    const bool unused = !used.Overlaps(lo, hi);
    const bool has_burn = state.burned.Overlaps(lo, hi);
    if (!unused) ++out->chunks_used;
    if (!unused && !has_burn) continue;  // used, nothing burned yet: nothing to compare
    plan.verify[i] = unused;
    if (!extents.empty() && extents.back().hi == lo) {
      extents.back().hi = hi;
    } else {
      extents.push_back({lo, hi});
    }
  }
  for (const IndexRange& e : extents) plan.total += e.size();
  return plan;
}

// Consumes the pad scan: a streaming digest per chunk (the scanner delivers bytes in
// file order) and a check that burned bytes read back as zero.
class PadScanConsumer {
 public:
  PadScanConsumer(const Manifest& manifest, const IntervalSet& burned,
                  const std::vector<bool>& verify, FsckContact* out,
                  std::function<void(const std::string&)> damaged)
      : manifest_(manifest),
        burned_(burned),
        verify_(verify),
        out_(out),
        damaged_(std::move(damaged)) {
    XXH3_INITSTATE(&xxh_);
  }
  // The digest state buffers unused pad bytes: wiped when the scan ends.
  ~PadScanConsumer() { OPENSSL_cleanse(&xxh_, sizeof xxh_); }
  PadScanConsumer(const PadScanConsumer&) = delete;
  PadScanConsumer& operator=(const PadScanConsumer&) = delete;

  void Consume(uint64_t offset, std::span<const uint8_t> bytes) {
    while (!bytes.empty()) {
      uint64_t chunk = offset / manifest_.chunk_size;
      if (chunk != current_chunk_) {
        FinishChunk();
        current_chunk_ = chunk;
        XXH3_128bits_reset(&xxh_);
      }
      uint64_t chunk_end = (chunk + 1) * manifest_.chunk_size;
      size_t n = static_cast<size_t>(std::min<uint64_t>(bytes.size(), chunk_end - offset));
      if (verify_[chunk]) XXH3_128bits_update(&xxh_, bytes.data(), n);
      CheckBurned(offset, bytes.first(n));
      offset += n;
      bytes = bytes.subspan(n);
      done_ += n;
    }
  }

  // Compares the digest of the chunk just read with the manifest's.
  void FinishChunk() {
    if (current_chunk_ == UINT64_MAX || !verify_[current_chunk_]) return;
    XXH128_canonical_t c;
    XXH128_canonicalFromHash(&c, XXH3_128bits_digest(&xxh_));
    Digest128 d;
    std::memcpy(d.data(), c.digest, 16);
    if (d == manifest_.chunks[current_chunk_]) {
      ++out_->chunks_verified;
    } else {
      uint64_t lo = current_chunk_ * manifest_.chunk_size;
      damaged_("unused chunk " + std::to_string(current_chunk_) + " (bytes " +
               ToString({lo, lo + manifest_.ChunkLength(current_chunk_)}) +
               ") does not match its manifest digest: the pad is damaged");
    }
  }

  uint64_t done() const { return done_; }
  const IntervalSet& bad_burns() const { return bad_burns_; }

 private:
  void CheckBurned(uint64_t offset, std::span<const uint8_t> bytes) {
    const size_t n = bytes.size();
    for (const IndexRange& b : burned_.Intervals()) {
      uint64_t a = std::max(b.lo, offset), z = std::min(b.hi, offset + n);
      if (a >= z) continue;
      out_->burned_bytes_checked += z - a;
      auto piece = bytes.subspan(a - offset, z - a);
      if (std::all_of(piece.begin(), piece.end(), [](uint8_t x) { return x == 0; })) {
        continue;
      }
      for (size_t i = 0; i < piece.size(); ++i) {
        if (piece[i] != 0) bad_burns_.Insert(a + i, a + i + 1);
      }
    }
  }

  XXH3_state_t xxh_;
  const Manifest& manifest_;
  const IntervalSet& burned_;
  const std::vector<bool>& verify_;
  FsckContact* out_;
  std::function<void(const std::string&)> damaged_;
  uint64_t current_chunk_ = UINT64_MAX;
  uint64_t done_ = 0;
  IntervalSet bad_burns_;  // bytes of burned ranges that are not zero
};

class Checker {
 public:
  Checker(const StorePaths& paths, const FsckOptions& options, FsckReport* report)
      : paths_(paths), options_(options), env_(*options.env), report_(report) {}

  // One pad generation of a contact (generations.h).
  void CheckContact(const std::string& peer, uint32_t generation);

 private:
  void Problem(const std::string& where, const std::string& what, bool corrected = false) {
    report_->problems.push_back({where, what, corrected});
  }
  std::optional<ContactMeta> CheckMeta(const std::string& peer, const JournalScan* scan);
  void CheckJournalInvariants(const std::string& peer, const JournalScan& scan,
                              const PadLayout& layout);
  void CheckPad(const std::string& peer, const ContactMeta& meta, const Snapshot& state,
                FsckContact* out);
  // False when the manifest cannot describe this pad (nothing more to check against it).
  bool CheckManifest(const std::string& peer, const ContactMeta& meta, const Manifest& manifest);
  // False when the pad file is missing or too short to scan.
  bool CheckPadFile(const std::string& where, const std::string& pad_path, const ContactMeta& meta);
  void ScanPad(const std::string& where, const std::string& pad_path, const Snapshot& state,
               const PadScanPlan& plan, const Manifest& manifest, FsckContact* out);
  // --read-only beside a running device: has the journal changed since `before` was read?
  bool JournalMoved(const std::string& path, const JournalScan& before);
  bool StateMoved(const std::string& path, const PadLayout& layout, const Snapshot& before);

  // "bob" for generation 0, "bob/gen-2" otherwise: where problems are reported.
  std::string Where(const std::string& peer) const {
    return gen_ == 0 ? peer : peer + "/" + StorePaths::GenerationDirName(gen_);
  }

  uint32_t gen_ = 0;  // the generation being checked
  const StorePaths& paths_;
  const FsckOptions& options_;
  Env& env_;
  FsckReport* report_;
};

std::optional<ContactMeta> Checker::CheckMeta(const std::string& peer, const JournalScan* scan) {
  const std::string where = Where(peer) + "/meta";
  const std::string path = paths_.Meta(peer, gen_);
  Result<ContactMeta> meta = ReadContactMeta(env_, path);
  std::optional<ContactMeta> from_journal;
  if (scan != nullptr) {
    for (const JournalRecord& r : scan->records) {
      if (r.type != RecordType::kMeta) continue;
      Result<ContactMeta> m = DecodeContactMeta(r.payload, Where(peer) + "/journal meta copy");
      if (m.ok()) from_journal = *m;
      break;
    }
  }
  if (meta.ok()) {
    if (meta->peer != peer) Problem(where, "names peer " + meta->peer + ", not " + peer);
    if (meta->generation != gen_) {
      Problem(where, "names pad generation " + std::to_string(meta->generation) + ", not " +
                         std::to_string(gen_));
    }
    if (from_journal && !(*from_journal == *meta)) {
      Problem(where, "differs from the journal's copy of it (which pad is this?)");
    }
    return *meta;
  }
  std::string why = meta.status().code() == Status::Code::kNotFound
                        ? "is missing (an unfinished registration?)"
                        : meta.status().message();
  if (!from_journal) {
    Problem(where, why + "; the journal has no valid copy to rebuild it from");
    return std::nullopt;
  }
  if (!options_.repair) {
    Problem(where, why + "; fsck --repair can rewrite it from the journal");
    return from_journal;
  }
  Status s = WriteContactMeta(env_, path, *from_journal);
  if (!s.ok()) {
    Problem(where, why + "; rewriting it from the journal failed: " + s.ToString());
  } else {
    Problem(where, why + "; rewritten from the journal's copy", /*corrected=*/true);
  }
  return from_journal;
}

void Checker::CheckJournalInvariants(const std::string& peer, const JournalScan& scan,
                                     const PadLayout& layout) {
  const std::string where = Where(peer) + "/journal";
  // Fold in seq order, one copy per logical record, checking each step.
  std::map<uint64_t, const JournalRecord*> by_seq;
  uint64_t last_seq = 0;
  bool first = true;
  for (const JournalRecord& r : scan.records) {
    if (!first && r.seq < last_seq) {
      Problem(where, "record seq " + std::to_string(r.seq) + " at offset " +
                         std::to_string(r.offset) + " comes after seq " + std::to_string(last_seq));
    }
    first = false;
    last_seq = r.seq;
    auto [it, inserted] = by_seq.emplace(r.seq, &r);
    if (!inserted && (it->second->type != r.type || it->second->payload != r.payload)) {
      Problem(where, "the two copies of record seq " + std::to_string(r.seq) + " differ");
    }
  }
  if (by_seq.empty()) return;
  auto it = by_seq.begin();
  if (it->second->type != RecordType::kMeta) Problem(where, "does not start with the meta copy");
  uint64_t mark = 0;
  IntervalSet decrypted, burned;
  for (; it != by_seq.end(); ++it) {
    const JournalRecord& r = *it->second;
    const std::string at = "record seq " + std::to_string(r.seq) + ": ";
    switch (r.type) {
      case RecordType::kSnapshot: {
        Result<Snapshot> s = DecodeSnapshot(r.payload);
        if (!s.ok()) break;  // reported by recovery
        mark = std::max(mark, s->own_mark);
        for (const IndexRange& d : s->decrypted.Intervals()) decrypted.Insert(d);
        for (const IndexRange& b : s->burned.Intervals()) burned.Insert(b);
        break;
      }
      case RecordType::kMark: {
        uint64_t m = 0;
        if (!DecodeU64(r.payload, &m)) break;
        if (m < mark) {
          Problem(where, at + "the mark moved backward from " + std::to_string(mark) + " to " +
                             std::to_string(m));
        }
        mark = std::max(mark, m);
        break;
      }
      case RecordType::kDecrypt: {
        IndexRange d;
        if (!DecodeRange(r.payload, &d)) break;
        if (decrypted.Overlaps(d)) {
          Problem(where, at + "decrypt range " + ToString(d) +
                             " overlaps pad decrypted before (a replay was accepted?)");
        }
        decrypted.Insert(d);
        break;
      }
      case RecordType::kBurn: {
        IndexRange b;
        if (!DecodeRange(r.payload, &b)) break;
        // Used pad: the owner's stream below the mark, and decrypted peer pad.
        IndexRange own_used = layout.StreamToIndices(layout.own_direction(), 0, mark);
        IntervalSet used = decrypted;
        used.Insert(own_used);
        if (!used.Covers(b.lo, b.hi)) {
          Problem(where, at + "burn of " + ToString(b) + " destroys pad that was never used");
        }
        burned.Insert(b);
        break;
      }
      default:
        break;
    }
  }
}

void Checker::CheckPad(const std::string& peer, const ContactMeta& meta, const Snapshot& state,
                       FsckContact* out) {
  const std::string where = Where(peer) + "/pad";
  Result<Manifest> manifest = ReadManifest(env_, paths_.Manifest(peer, gen_));
  if (!manifest.ok()) {
    Problem(Where(peer) + "/manifest", manifest.status().message());
    return;
  }
  if (!CheckManifest(peer, meta, *manifest)) return;
  out->chunks = manifest->ChunkCount();
  const std::string pad_path = paths_.Pad(peer, gen_);
  if (!CheckPadFile(where, pad_path, meta)) return;
  if (!options_.check_pad) return;
  ScanPad(where, pad_path, state, ChunkPlan(meta, state, *manifest, out), *manifest, out);
}

bool Checker::CheckManifest(const std::string& peer, const ContactMeta& meta,
                            const Manifest& manifest) {
  if (!manifest.complete) Problem(Where(peer) + "/manifest", "is incomplete");
  if (manifest.pad_size != meta.pad_size) {
    Problem(Where(peer) + "/manifest", "describes " + std::to_string(manifest.pad_size) +
                                           " bytes, meta says " + std::to_string(meta.pad_size));
    return false;
  }
  if (manifest.complete && manifest.pad_id != meta.pad_id) {
    Problem(Where(peer) + "/manifest", "pad id " + HexEncode(manifest.pad_id) +
                                           " differs from meta's " + HexEncode(meta.pad_id));
  }
  return true;
}

bool Checker::CheckPadFile(const std::string& where, const std::string& pad_path,
                           const ContactMeta& meta) {
  struct stat st;
  if (::stat(pad_path.c_str(), &st) != 0) {
    Problem(where, Status::FromErrno(errno, pad_path).message());
    return false;
  }
  if (S_ISREG(st.st_mode) && (st.st_mode & 0077) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", st.st_mode & 07777);
    Problem(where, std::string("is readable or writable by others (mode ") + mode +
                       "); run chmod 600 " + pad_path);
  }
  Result<std::unique_ptr<File>> f = env_.OpenFile(pad_path, {});
  if (!f.ok()) {
    Problem(where, f.status().message());
    return false;
  }
  Result<uint64_t> size = (*f)->Size();
  if (!size.ok() || *size < meta.pad_size) {
    Problem(where, "is shorter than the " + std::to_string(meta.pad_size) + " bytes of its meta");
    return false;
  }
  return true;
}

void Checker::ScanPad(const std::string& where, const std::string& pad_path, const Snapshot& state,
                      const PadScanPlan& plan, const Manifest& manifest, FsckContact* out) {
  PadScanConsumer consumer(manifest, state.burned, plan.verify, out,
                           [&](const std::string& what) { Problem(where, what); });
  uint64_t last_progress = 0;
  ScanStats stats;
  Status s = ScanFile(
      env_, pad_path, plan.extents, options_.scan,
      [&](uint64_t offset, std::span<const uint8_t> bytes) -> Status {
        consumer.Consume(offset, bytes);
        if (options_.progress && consumer.done() - last_progress >= (uint64_t{64} << 20)) {
          options_.progress(consumer.done(), plan.total);
          last_progress = consumer.done();
        }
        return Status::Ok();
      },
      &stats);
  if (!s.ok()) {
    Problem(where, "reading the pad failed: " + s.message());
    return;
  }
  consumer.FinishChunk();
  if (options_.progress) options_.progress(consumer.done(), plan.total);
  out->bytes_read = stats.bytes_read;
  report_->bytes_read += stats.bytes_read;
  report_->used_direct_io |= stats.used_direct;
  report_->used_io_uring |= stats.used_io_uring;
  const IntervalSet& bad_burns = consumer.bad_burns();
  if (!bad_burns.empty()) {
    Problem(where, std::to_string(bad_burns.Measure()) +
                       " bytes of burned pad do not read back as zeros (first " +
                       ToString(bad_burns.Intervals().front()) + "): used pad was not destroyed");
  }
}

void Checker::CheckContact(const std::string& peer, uint32_t generation) {
  gen_ = generation;
  FsckContact out;
  out.peer = Where(peer);
  const std::string jwhere = Where(peer) + "/journal";
  const std::string jpath = paths_.Journal(peer, gen_);
  Result<JournalScan> scan = ScanJournal(env_, jpath);
  if (!scan.ok()) {
    Problem(jwhere, scan.status().code() == Status::Code::kNotFound ? "is missing"
                                                                    : scan.status().message());
  }
  std::optional<ContactMeta> meta = CheckMeta(peer, scan.ok() ? &*scan : nullptr);
  if (!scan.ok() || !meta) {
    report_->contacts.push_back(out);
    return;
  }
  const PadLayout layout = meta->layout();
  if (scan->has_hole()) {
    uint64_t bytes = 0;
    for (const IndexRange& d : scan->damage) {
      if (d.lo < scan->valid_end) bytes += d.size();
    }
    Problem(jwhere, std::to_string(bytes) +
                        " damaged bytes lie between valid records (first at offset " +
                        std::to_string(scan->damage.front().lo) +
                        "); recovery folds every surviving copy, and opening the store "
                        "rewrites the journal");
  }
  if (scan->torn_tail() && options_.read_only && JournalMoved(jpath, *scan)) {
    report_->notes.push_back(jwhere + ": the tail was an append in flight (the store is in use)");
  } else if (scan->torn_tail()) {
    const IndexRange tail = scan->damage.back();
    std::string what = "torn tail: " + std::to_string(tail.size()) + " bytes after offset " +
                       std::to_string(tail.lo) + " form no record";
    if (options_.repair) {
      Result<std::unique_ptr<File>> f = env_.OpenFile(jpath, {.write = true});
      Status s = f.ok() ? (*f)->Truncate(tail.lo) : f.status();
      if (s.ok()) s = (*f)->Sync();
      if (s.ok()) {
        Problem(jwhere, what + "; truncated", /*corrected=*/true);
      } else {
        Problem(jwhere, what + "; truncating failed: " + s.ToString());
      }
    } else {
      Problem(jwhere, what + "; fsck --repair truncates it");
    }
  }
  Result<RecoveredState> rec = RecoverJournal(*scan, layout, jpath);
  if (!rec.ok()) {
    Problem(jwhere, rec.status().message());
    report_->contacts.push_back(out);
    return;
  }
  CheckJournalInvariants(peer, *scan, layout);
  const size_t problems_before = report_->problems.size();
  CheckPad(peer, *meta, rec->state, &out);
  if (options_.read_only && report_->problems.size() > problems_before &&
      StateMoved(jpath, layout, rec->state)) {
    // The pad was used (and burned) while it was read: its mismatches prove nothing.
    report_->problems.resize(problems_before);
    report_->notes.push_back(Where(peer) +
                             "/pad: used while it was read (the store is in use); stop the "
                             "device and run padstore fsck to check it");
  }
  report_->contacts.push_back(out);
}

bool Checker::JournalMoved(const std::string& path, const JournalScan& before) {
  Result<JournalScan> now = ScanJournal(env_, path);
  return !now.ok() || now->file_size != before.file_size || !now->torn_tail();
}

bool Checker::StateMoved(const std::string& path, const PadLayout& layout, const Snapshot& before) {
  Result<JournalScan> scan = ScanJournal(env_, path);
  if (!scan.ok()) return true;
  Result<RecoveredState> now = RecoverJournal(*scan, layout, path);
  if (!now.ok()) return true;
  return now->state.own_mark != before.own_mark || !(now->state.decrypted == before.decrypted) ||
         !(now->state.burned == before.burned);
}

}  // namespace

bool FsckReport::corrected() const {
  return std::any_of(problems.begin(), problems.end(), [](auto& p) { return p.corrected; });
}
bool FsckReport::uncorrected() const {
  return std::any_of(problems.begin(), problems.end(), [](auto& p) { return !p.corrected; });
}
int FsckReport::ExitCode() const {
  if (!operational_error.empty()) return store_in_use ? cli::kExitInUse : cli::kExitFailed;
  if (uncorrected()) return cli::kExitDamaged;
  return corrected() ? cli::kExitRepaired : cli::kExitOk;
}

FsckReport Fsck(const std::string& store_dir, const FsckOptions& given) {
  FsckOptions options = given;
  if (options.env == nullptr) options.env = Env::Default();
  Env& env = *options.env;
  FsckReport report;
  auto start = std::chrono::steady_clock::now();
  StorePaths paths(store_dir);
  if (!env.FileExists(paths.StoreMeta())) {
    report.operational_error = paths.root + " is not a padstore (no store.meta)";
    return report;
  }
  if (options.read_only && options.repair) {
    report.operational_error = "a read-only check cannot repair";
    return report;
  }
  std::unique_ptr<FileLock> held;
  if (!options.read_only) {
    Result<std::unique_ptr<FileLock>> lock = env.LockFile(paths.Lock());
    if (!lock.ok()) {
      report.store_in_use = lock.status().code() == Status::Code::kBusy;
      report.operational_error = report.store_in_use
                                     ? StoreInUse(paths.root, lock.status()).message()
                                     : lock.status().message();
      return report;
    }
    held = std::move(*lock);
  }
  Result<StoreMeta> meta = ReadStoreMeta(env, paths.StoreMeta());
  if (!meta.ok()) report.problems.push_back({"store.meta", meta.status().message(), false});
  Result<std::vector<std::string>> names = env.GetChildren(paths.Contacts());
  if (!names.ok()) {
    report.operational_error = names.status().message();
    return report;
  }
  std::sort(names->begin(), names->end());
  Checker checker(paths, options, &report);
  for (const std::string& name : *names) {
    if (!ValidateUid(name).ok()) continue;
    std::vector<uint32_t> generations = GenerationsOnDisk(env, paths, name);
    if (generations.empty()) generations.push_back(0);  // reports what is missing
    for (uint32_t gen : generations) checker.CheckContact(name, gen);
  }
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return report;
}

}  // namespace otc::padstore
