// Store::AddContact and RegisterContact: putting a pad, its manifest, a journal and the
// meta into STORE/contacts/<peer>/, in an order that survives a crash at any point.
//
// Order: contact directory -> pad (moved or linked) -> manifest copy -> journal (meta copy
// + initial snapshot) -> meta. The meta file is the commit point: a directory without one
// is an unfinished registration that `padstore add` can simply run again. An existing
// journal is never replaced if it holds any usage history of another pad.
#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <mutex>

#include "common/encoding.h"
#include "padstore/contact.h"
#include "padstore/journal.h"
#include "padstore/manifest.h"
#include "padstore/recovery.h"
#include "padstore/snapshot.h"
#include "padstore/store.h"
#include "padstore/uid.h"

namespace otc::padstore {
namespace {

bool SameFile(const std::string& a, const std::string& b) {
  std::error_code ec;
  return std::filesystem::equivalent(a, b, ec) && !ec;
}

bool SameRegistration(const ContactMeta& a, const ContactMeta& b) {
  return a.owner == b.owner && a.peer == b.peer && a.pad_size == b.pad_size && a.split == b.split &&
         a.direction == b.direction && a.format == b.format && a.pad_id == b.pad_id;
}

std::string IdHex(const Digest128& id) { return HexEncode(id); }

// Files holding pad are 0600: tighten a regular file that is more open.
Status RestrictMode(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return Status::FromErrno(errno, "stat " + path);
  if (S_ISREG(st.st_mode) && (st.st_mode & 0177) != 0) {
    if (::chmod(path.c_str(), 0600) != 0) return Status::FromErrno(errno, "chmod 0600 " + path);
  }
  return Status::Ok();
}

// The contact's meta for `spec`, from its complete manifest, checked against the pad file
// and the pad geometry (the generation is the caller's to choose).
Result<ContactMeta> MetaFor(Env& env, const ContactSpec& spec, const std::string& owner,
                            const StorePaths& paths, uint64_t now) {
  Result<Manifest> manifest = ReadManifest(env, spec.manifest_path);
  if (!manifest.ok()) return manifest.status().WithContext("reading the manifest");
  if (!manifest->complete) {
    return Status::InvalidArgument("manifest " + spec.manifest_path +
                                   " is incomplete (the pad generation did not finish); resume "
                                   "padgen first");
  }
  // The pad must exist and match the manifest's size.
  {
    Result<std::unique_ptr<File>> pad = env.OpenFile(spec.pad_path, {});
    if (!pad.ok()) {
      return pad.status().WithContext("opening the pad (if an earlier add moved it, pass --pad " +
                                      paths.Pad(spec.peer) + ")");
    }
    Result<uint64_t> size = (*pad)->Size();
    if (!size.ok()) return size.status();
    std::error_code ec;
    bool regular = std::filesystem::is_regular_file(spec.pad_path, ec);
    if (*size < manifest->pad_size || (regular && *size != manifest->pad_size)) {
      return Status::InvalidArgument("pad " + spec.pad_path + " has " + std::to_string(*size) +
                                     " bytes but its manifest describes " +
                                     std::to_string(manifest->pad_size));
    }
  }
  ContactMeta meta;
  meta.owner = owner;
  meta.peer = spec.peer;
  meta.pad_size = manifest->pad_size;
  meta.split = spec.split != 0 ? spec.split : manifest->pad_size / 2;
  meta.direction = spec.direction;
  meta.format = spec.format;
  meta.pad_id = manifest->pad_id;
  meta.created_unix = now;
  meta.flags = spec.flags;
  if (Status s = PadLayout::Validate(meta.pad_size, meta.split); !s.ok()) return s;
  if (meta.pad_size > kMaxPadSize) {
    return Status::InvalidArgument("pad of " + std::to_string(meta.pad_size) +
                                   " bytes is over the limit of 2^48 bytes (256 TiB): the package "
                                   "index keeps its top 16 bits for the pad generation");
  }
  const PadLayout layout = meta.layout();
  if (spec.initial_own_used > layout.OwnHalf().size()) {
    return Status::InvalidArgument("initial own usage is larger than the own half");
  }
  for (const IndexRange& r : spec.initial_decrypted) {
    if (r.empty() || !layout.PeerHalf().Contains(r)) {
      return Status::InvalidArgument("initial decrypted range " + ToString(r) +
                                     " is not inside the peer's half " +
                                     ToString(layout.PeerHalf()));
    }
  }

  return meta;
}

// Moves (or links) the pad into the generation's directory, durably; 0600.
Status PlacePad(Env& env, const StorePaths& paths, const ContactSpec& spec, const ContactMeta& meta,
                FailStop& fail) {
  const std::string contact_dir = paths.GenerationDir(spec.peer, meta.generation);
  const std::string pad_path = paths.Pad(spec.peer, meta.generation);
  if (!SameFile(spec.pad_path, pad_path)) {
    if (env.FileExists(pad_path) || std::filesystem::is_symlink(pad_path)) {
      return Status::AlreadyExists(pad_path +
                                   " already exists (left by an unfinished add?); "
                                   "pass it as --pad or remove it");
    }
    if (spec.placement == PadPlacement::kSymlink) {
      std::error_code ec;
      std::string target = std::filesystem::absolute(spec.pad_path, ec).string();
      if (ec) return Status::InvalidArgument("cannot resolve " + spec.pad_path);
      if (Status s = env.CreateSymlink(target, pad_path); !s.ok()) return s;
    } else {
      Status s = env.RenameFile(spec.pad_path, pad_path);
      if (!s.ok()) {
        if (s.message().find("cross-device") != std::string::npos) {
          return Status::InvalidArgument("cannot move pad " + spec.pad_path +
                                         " into the store: it is on another file system; use "
                                         "--link to leave it there, or copy it next to the store");
        }
        return s;
      }
      if (Status d = env.SyncDir(DirName(spec.pad_path)); !d.ok()) return fail.Fail(d);
    }
    if (Status s = env.SyncDir(contact_dir); !s.ok()) return fail.Fail(s);
  }
  if (Status s = RestrictMode(pad_path); !s.ok()) return s;

  return Status::Ok();
}

// Copies the manifest into the generation's directory (atomically, durably).
Status PlaceManifest(Env& env, const StorePaths& paths, const ContactSpec& spec,
                     const ContactMeta& meta, FailStop& fail) {
  const std::string manifest_path = paths.Manifest(spec.peer, meta.generation);
  if (!SameFile(spec.manifest_path, manifest_path)) {
    Result<std::string> bytes = ReadFileToString(env, spec.manifest_path);
    if (!bytes.ok()) return bytes.status();
    if (Status s = WriteFileAtomically(env, manifest_path, AsBytes(*bytes)); !s.ok()) {
      return fail.Fail(s);
    }
  }

  return Status::Ok();
}

// Writes the journal (meta copy + initial snapshot), or keeps one an unfinished add of the
// same pad left (then `meta` takes that journal's creation time); refuses to replace one
// holding another pad's usage history.
Status PlaceJournal(Env& env, const StorePaths& paths, const ContactSpec& spec, ContactMeta& meta,
                    FailStop& fail) {
  const PadLayout layout = meta.layout();
  // Journal: keep one left by an unfinished add of the same pad; never drop the usage
  // history of another pad.
  const std::string journal_path = paths.Journal(spec.peer, meta.generation);
  bool write_journal = true;
  if (env.FileExists(journal_path)) {
    Result<JournalScan> scan = ScanJournal(env, journal_path);
    if (!scan.ok()) return scan.status();
    Result<RecoveredState> rec = RecoverJournal(*scan, layout, journal_path);
    std::optional<ContactMeta> old;
    if (rec.ok() && rec->meta_bytes) {
      Result<ContactMeta> m = DecodeContactMeta(*rec->meta_bytes, journal_path);
      if (m.ok()) old = *m;
    }
    if (old && SameRegistration(*old, meta)) {
      meta = *old;  // keep its creation time: the journal's copy must match the file
      write_journal = false;
    } else if (!rec.ok() || rec->state.own_mark > 0 || !rec->state.decrypted.empty() ||
               !rec->split.empty()) {
      return Status::AlreadyExists(journal_path +
                                   " holds the usage history of another pad; refusing to "
                                   "replace it (run padstore fsck)");
    }
  }
  if (write_journal) {
    Snapshot snap;
    snap.own_mark = spec.initial_own_used;
    for (const IndexRange& r : spec.initial_decrypted) snap.decrypted.Insert(r);
    Result<std::unique_ptr<JournalWriter>> w = JournalWriter::Create(
        env, journal_path, 1, meta.created_unix, EncodeContactMeta(meta), EncodeSnapshot(snap));
    if (!w.ok()) return fail.Fail(w.status());
  }
  return Status::Ok();
}

// The REGISTER audit line's details.
std::string RegisterDetails(const ContactSpec& spec, const ContactMeta& meta) {
  std::string details = "generation=" + std::to_string(meta.generation) +
                        " pad_id=" + IdHex(meta.pad_id) + " size=" + std::to_string(meta.pad_size) +
                        " split=" + std::to_string(meta.split) +
                        " direction=" + std::string(DirectionName(meta.direction)) +
                        " protocol=" + std::string(FormatName(meta.format));
  if (spec.initial_own_used > 0 || !spec.initial_decrypted.empty()) {
    details += " initial_own_used=" + std::to_string(spec.initial_own_used) +
               " initial_decrypted_ranges=" + std::to_string(spec.initial_decrypted.size());
  }
  return details;
}

}  // namespace

Result<ContactState> Store::AddContact(const ContactSpec& spec) {
  std::unique_lock guard(mu_);
  Env& env = this->env();
  if (closed_) return Status::Failed("store " + paths_.root + " is closed");
  if (Status s = fail_.status(); !s.ok()) return s;
  if (options_.read_only) return Status::Denied("the store was opened read-only");
  if (Status s = ValidateUid(spec.peer, "peer uid"); !s.ok()) return s;
  if (spec.peer == owner_) {
    return Status::InvalidArgument(owner_ + " owns this store and cannot be a contact of it");
  }
  Result<ContactMeta> made = MetaFor(env, spec, owner_, paths_, options_.clock());
  if (!made.ok()) return made.status();
  ContactMeta meta = *made;

  // Already registered (idempotent), or a renewal?
  if (auto known = contacts_.find(spec.peer); known != contacts_.end()) {
    for (const auto& [gen, contact] : known->second) {
      if (SameRegistration(contact->meta(), meta)) {
        guard.unlock();
        Result<std::vector<ContactState>> all = Generations(spec.peer);
        if (!all.ok()) return all.status();
        for (const ContactState& g : *all) {
          if (g.meta.generation == gen) return g;
        }
        return Status::Internal("generation vanished during add");
      }
    }
  }
  Result<uint32_t> generation = ChooseGenerationLocked(spec, meta);
  if (!generation.ok()) return generation.status();
  meta.generation = *generation;
  const std::string meta_path = paths_.Meta(spec.peer, meta.generation);
  if (env.FileExists(meta_path)) {
    Result<ContactMeta> existing = ReadContactMeta(env, meta_path);
    if (!existing.ok()) {
      return existing.status().WithContext("contact " + spec.peer +
                                           " exists but its meta is damaged; run padstore fsck");
    }
    if (SameRegistration(*existing, meta)) {
      guard.unlock();
      return Info(spec.peer);  // idempotent
    }
    return Status::AlreadyExists("contact " + spec.peer + " generation " +
                                 std::to_string(meta.generation) + " already has a pad (id " +
                                 IdHex(existing->pad_id) + ")");
  }

  const std::string contact_dir = paths_.GenerationDir(spec.peer, meta.generation);
  if (Status s = env.CreateDir(paths_.ContactDir(spec.peer), 0700); !s.ok()) return s;
  if (Status s = env.SyncDir(paths_.Contacts()); !s.ok()) return fail_.Fail(s);
  if (meta.generation != 0) {
    if (Status s = env.CreateDir(contact_dir, 0700); !s.ok()) return s;
    if (Status s = env.SyncDir(paths_.ContactDir(spec.peer)); !s.ok()) return fail_.Fail(s);
  }

  if (Status s = PlacePad(env, paths_, spec, meta, fail_); !s.ok()) return s;
  if (Status s = PlaceManifest(env, paths_, spec, meta, fail_); !s.ok()) return s;
  if (Status s = PlaceJournal(env, paths_, spec, meta, fail_); !s.ok()) return s;
  // Commit point.
  if (Status s = WriteContactMeta(env, meta_path, meta); !s.ok()) return fail_.Fail(s);

  Result<std::unique_ptr<Contact>> opened = OpenGeneration(spec.peer, meta.generation);
  if (!opened.ok()) {
    if (!contacts_.contains(spec.peer)) broken_.emplace(spec.peer, opened.status());
    return opened.status();
  }
  Contact* c = opened->get();
  contacts_[spec.peer][meta.generation] = std::move(*opened);
  broken_.erase(spec.peer);
  const std::string details = RegisterDetails(spec, meta);
  if (Status s = c->Audit("REGISTER", details); !s.ok()) return s;
  return c->Info();
}

Result<uint32_t> Store::ChooseGenerationLocked(const ContactSpec& spec,
                                               const ContactMeta& meta) const {
  auto known = contacts_.find(spec.peer);
  if (known == contacts_.end()) {
    if (auto broken = broken_.find(spec.peer);
        broken != broken_.end() && broken->second.code() != Status::Code::kNotFound) {
      return broken->second.WithContext("contact " + spec.peer + " exists but cannot be opened");
    }
    if (spec.generation.value_or(0) > kMaxGeneration) {
      return Status::InvalidArgument("pad generation " + std::to_string(*spec.generation) +
                                     " is over the limit of " + std::to_string(kMaxGeneration));
    }
    return spec.generation.value_or(0);
  }
  const auto& [newest, newest_contact] = *known->second.rbegin();
  if (meta.format == Format::kOtc1 || newest_contact->meta().format == Format::kOtc1) {
    return Status::InvalidArgument(
        "contact " + spec.peer +
        " uses otc1 (the 2015 format), whose 6-byte package index cannot name a pad "
        "generation, so it cannot be renewed; register the new otc2 pad under another peer "
        "name");
  }
  const uint32_t generation = spec.generation.value_or(newest + 1);
  if (generation <= newest) {
    return Status::AlreadyExists("contact " + spec.peer + " already holds pad generation " +
                                 std::to_string(newest) + "; a new pad must be a later one, not " +
                                 std::to_string(generation));
  }
  if (generation > kMaxGeneration) {
    return Status::InvalidArgument("contact " + spec.peer + " has used all " +
                                   std::to_string(kMaxGeneration + 1) +
                                   " pad generations; register the new pad under another name");
  }
  return generation;
}

Result<ContactState> RegisterContact(const std::string& store_dir, std::string_view owner,
                                     const ContactSpec& spec, Env* env) {
  if (Status s = Store::Init(store_dir, owner, env); !s.ok()) return s;
  Result<std::unique_ptr<Store>> store =
      Store::Open(store_dir, StoreOptions{.env = env, .clock = {}});
  if (!store.ok()) return store.status();
  Result<ContactState> info = (*store)->AddContact(spec);
  Status closed = (*store)->Close();
  if (!info.ok()) return info.status();
  if (!closed.ok()) return closed;
  return info;
}

}  // namespace otc::padstore
