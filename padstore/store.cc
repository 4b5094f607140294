#include "padstore/store.h"

#include <algorithm>
#include <ctime>
#include <mutex>

#include "common/encoding.h"
#include "padstore/contact.h"
#include "padstore/generations.h"
#include "padstore/store_meta.h"
#include "padstore/uid.h"

namespace otc::padstore {
namespace {

std::function<uint64_t()> DefaultClock() {
  return [] { return static_cast<uint64_t>(std::time(nullptr)); };
}

}  // namespace

Status Store::Init(const std::string& dir, std::string_view owner, Env* env) {
  if (env == nullptr) env = Env::Default();
  if (Status s = ValidateUid(owner, "user"); !s.ok()) return s;
  StorePaths paths(dir);
  if (Status s = env->CreateDir(paths.root, 0700); !s.ok()) return s;
  if (env->FileExists(paths.StoreMeta())) {
    Result<StoreMeta> meta = ReadStoreMeta(*env, paths.StoreMeta());
    if (!meta.ok()) return meta.status();
    if (meta->owner != owner) {
      return Status::AlreadyExists("store " + paths.root + " belongs to " + meta->owner + ", not " +
                                   std::string(owner) + "; use another directory for " +
                                   std::string(owner));
    }
  } else {
    StoreMeta meta{std::string(owner), static_cast<uint64_t>(std::time(nullptr)),
                   NewStoreInstance()};
    if (Status s = WriteFileAtomically(*env, paths.StoreMeta(), EncodeStoreMeta(meta)); !s.ok()) {
      return s;
    }
  }
  if (Status s = env->CreateDir(paths.Contacts(), 0700); !s.ok()) return s;
  if (Status s = env->SyncDir(paths.root); !s.ok()) return s;
  return env->SyncDir(DirName(paths.root));
}

Result<std::unique_ptr<Store>> Store::Open(const std::string& dir, StoreOptions options) {
  if (options.env == nullptr) options.env = Env::Default();
  if (!options.clock) options.clock = DefaultClock();
  if (options.reserve_batch == 0) options.reserve_batch = 1;
  Env& env = *options.env;
  StorePaths paths(dir);
  Result<StoreMeta> meta = ReadStoreMeta(env, paths.StoreMeta());
  if (!meta.ok()) {
    if (meta.status().code() == Status::Code::kNotFound) {
      return Status::NotFound(paths.root +
                              " is not a padstore (no store.meta); create it with "
                              "padstore init --store " +
                              paths.root + " --user NAME");
    }
    return meta.status();
  }
  // A read-only open takes no lock, so status and fsck --read-only work beside a running
  // device: the journal is append-only and replaced only by rename, so what it reads is
  // the durable state at some instant (an append in flight is a torn tail, ignored).
  std::unique_ptr<FileLock> held;
  if (!options.read_only) {
    Result<std::unique_ptr<FileLock>> lock = env.LockFile(paths.Lock());
    if (!lock.ok()) {
      if (lock.status().code() == Status::Code::kBusy) return StoreInUse(paths.root, lock.status());
      return lock.status();
    }
    held = std::move(*lock);
  }
  if (meta->instance.empty() && !options.read_only) {
    // A store made before stores had an instance id gets one now.
    meta->instance = NewStoreInstance();
    if (Status s = WriteFileAtomically(env, paths.StoreMeta(), EncodeStoreMeta(*meta)); !s.ok()) {
      return s;
    }
  }
  options.store_instance = HexEncode(AsBytes(meta->instance));
  std::unique_ptr<Store> store(new Store(paths, meta->owner, options, std::move(held)));
  if (!options.read_only) {
    Result<std::unique_ptr<AuditLog>> audit =
        AuditLog::Open(env, paths.Audit(), options.clock, kBoundedAudit);
    if (!audit.ok()) return audit.status();
    store->audit_ = std::move(*audit);
  }
  Result<std::vector<std::string>> names = env.GetChildren(paths.Contacts());
  if (!names.ok()) return names.status();
  std::sort(names->begin(), names->end());
  std::unique_lock guard(store->mu_);
  for (const std::string& name : *names) {
    if (!ValidateUid(name).ok()) continue;  // not a contact entry (e.g. an editor's backup)
    Status s = store->LoadContact(name);
    if (s.ok()) continue;
    // A write that failed while recovering is fatal for the whole store; a contact that
    // merely cannot be read (damaged meta, missing journal) does not stop the others.
    if (store->fail_.failed()) return s.WithContext("recovering contact " + name);
    store->broken_.emplace(name, s);
  }
  return store;
}

Result<std::unique_ptr<Contact>> Store::OpenGeneration(const std::string& peer,
                                                       uint32_t generation) {
  Result<ContactMeta> meta = ReadContactMeta(env(), paths_.Meta(peer, generation));
  if (!meta.ok()) {
    return meta.status().WithContext("contact " + peer + " generation " +
                                     std::to_string(generation) + " (run padstore fsck --repair)");
  }
  if (meta->peer != peer || meta->owner != owner_) {
    return Status::Corruption("contact " + peer + ": meta names owner " + meta->owner +
                              " and peer " + meta->peer + "; this store is " + owner_ + "'s");
  }
  if (meta->generation != generation) {
    return Status::Corruption("contact " + peer + ": the meta in " +
                              paths_.GenerationDir(peer, generation) + " names generation " +
                              std::to_string(meta->generation));
  }
  return Contact::Open(env(), paths_, *meta, options_, &fail_);
}

Status Store::LoadContact(const std::string& peer) {
  GenerationMap gens;
  for (uint32_t gen : GenerationsOnDisk(env(), paths_, peer)) {
    // A generation directory without its meta is an unfinished registration (the next
    // padgen or padstore add finishes it) or a retirement interrupted after its commit
    // point (padstore retire finishes it): neither holds usable pad.
    if (!env().FileExists(paths_.Meta(peer, gen))) continue;
    Result<std::unique_ptr<Contact>> contact = OpenGeneration(peer, gen);
    if (!contact.ok()) return contact.status();
    gens[gen] = std::move(*contact);
  }
  if (gens.empty()) {
    return Status::NotFound("contact " + peer +
                            " is incomplete (no meta file): its "
                            "registration did not finish; run padstore add again");
  }
  broken_.erase(peer);
  contacts_[peer] = std::move(gens);
  return Status::Ok();
}

Store::Store(StorePaths paths, std::string owner, StoreOptions options,
             std::unique_ptr<FileLock> lock)
    : paths_(std::move(paths)),
      owner_(std::move(owner)),
      options_(std::move(options)),
      lock_(std::move(lock)) {}

Store::~Store() {
  if (!closed_) Close().ok();
}

Status Store::Close() {
  std::unique_lock guard(mu_);
  if (closed_) return Status::Ok();
  closed_ = true;
  Status first;
  for (auto& [peer, gens] : contacts_) {
    for (auto& [gen, contact] : gens) {
      Status s = contact->Close();
      if (first.ok() && !s.ok()) first = s;
    }
  }
  contacts_.clear();
  audit_.reset();
  lock_.reset();
  return first;
}

void Store::AbandonForTesting() {
  std::unique_lock guard(mu_);
  closed_ = true;
  for (auto& [peer, gens] : contacts_) {
    for (auto& [gen, contact] : gens) contact->Abandon();
  }
  contacts_.clear();
  audit_.reset();
  lock_.reset();
}

std::vector<std::string> Store::Peers() const {
  std::shared_lock guard(mu_);
  std::vector<std::string> peers;
  for (const auto& [peer, c] : contacts_) peers.push_back(peer);
  for (const auto& [peer, s] : broken_) peers.push_back(peer);
  std::sort(peers.begin(), peers.end());
  return peers;
}

Status Store::StoreAudit(std::string_view event, const std::string& details) const {
  if (!audit_) return Status::Ok();
  Status s = audit_->Append(event, details);
  if (!s.ok()) fail_.Fail(s);
  return s;
}

Result<Store::GenerationMap*> Store::FindLocked(std::string_view peer, bool incoming) const {
  if (closed_) return Status::Failed("store " + paths_.root + " is closed");
  if (Status s = ValidateUid(peer, "peer uid"); !s.ok()) return s;
  if (peer == owner_) {
    if (incoming) {
      Status a = StoreAudit("OWNER_CLAIM", "peer=" + std::string(peer) +
                                               ": a package claims to come from the store's own "
                                               "owner; refused, no pad read");
      if (!a.ok()) return a;
      return Status::InvalidArgument("a package claims to come from " + owner_ +
                                     ", the owner of this store; refused");
    }
    return Status::InvalidArgument(owner_ + " is the owner of this store, not a contact");
  }
  auto it = contacts_.find(peer);
  if (it != contacts_.end()) return const_cast<GenerationMap*>(&it->second);
  auto broken = broken_.find(peer);
  if (broken != broken_.end()) return broken->second;
  if (incoming) {
    Status a = StoreAudit("UNKNOWN_PEER", "peer=" + std::string(peer) + ": no such contact");
    if (!a.ok()) return a;
  }
  return Status::NotFound("unknown contact " + std::string(peer) + ": no entry in " +
                          paths_.Contacts() + " (register it with padstore add)");
}

Result<Contact*> Store::Find(std::string_view peer, uint32_t generation, bool incoming) const {
  std::shared_lock guard(mu_);
  Result<GenerationMap*> gens = FindLocked(peer, incoming);
  if (!gens.ok()) return gens.status();
  auto it = (*gens)->find(generation);
  if (it != (*gens)->end()) return it->second.get();
  const uint32_t newest = (*gens)->rbegin()->first;
  std::string held;
  for (const auto& [g, c] : **gens) held += (held.empty() ? "" : ", ") + std::to_string(g);
  const std::string what = "pad generation " + std::to_string(generation) + " of " +
                           std::string(peer) + " (this store holds " +
                           ((*gens)->size() == 1 ? "generation " : "generations ") + held + ")";
  const bool retired = generation < newest;
  if (incoming) {
    Status a = StoreAudit(
        "GENERATION", "peer=" + std::string(peer) + " generation=" + std::to_string(generation) +
                          (retired ? ": retired" : ": unknown") + "; refused, no pad read");
    if (!a.ok()) return a;
  }
  if (retired) {
    return Status::Unsupported(what + " was retired: its pad is destroyed; refused");
  }
  return Status::Unsupported(
      what + " is unknown: the sender has a newer pad; run padgen with the sender again");
}

Result<ContactState> Store::Info(std::string_view peer) const {
  Result<std::vector<ContactState>> all = Generations(peer);
  if (!all.ok()) return all.status();
  // The packaging generation: the newest with own pad left, else the newest.
  auto current = std::find_if(all->rbegin(), all->rend(),
                              [](const ContactState& g) { return g.own_left > 0; });
  ContactState info = current != all->rend() ? *current : all->back();
  info.generations = static_cast<uint32_t>(all->size());
  info.all_own_half = 0;
  info.all_own_left = 0;
  for (const ContactState& g : *all) {
    info.all_own_half += g.own_capacity;
    info.all_own_left += g.own_left;
  }
  return info;
}

Result<std::vector<ContactState>> Store::Generations(std::string_view peer) const {
  std::shared_lock guard(mu_);
  Result<GenerationMap*> gens = FindLocked(peer, false);
  if (!gens.ok()) return gens.status();
  std::vector<ContactState> out;
  for (auto& [gen, contact] : **gens) out.push_back(contact->Info());
  return out;
}

Result<OwnRange> Store::ReserveRange(std::string_view peer, uint64_t length) {
  std::vector<Contact*> newest_first;
  {
    std::shared_lock guard(mu_);
    Result<GenerationMap*> gens = FindLocked(peer, false);
    if (!gens.ok()) return gens.status();
    for (auto it = (*gens)->rbegin(); it != (*gens)->rend(); ++it) {
      newest_first.push_back(it->second.get());
    }
  }
  // Contacts are never removed while the store is open except by Retire, which never
  // removes the newest generation and runs only in the padstore tool (no reservations).
  // The newest generation with room for the whole message (both sides got each one from
  // the same padgen run); a concurrent reservation may take the room first, then the next
  // older one. When none has room, the newest reports the shortage.
  for (Contact* c : newest_first) {
    if (c->OwnLeft() < length) continue;
    Result<OwnRange> r = c->Reserve(length);
    if (r.ok() || r.status().code() != Status::Code::kExhausted) return r;
  }
  return newest_first.front()->Reserve(length);
}

Result<Reservation> Store::Reserve(std::string_view peer, uint64_t length) {
  Result<OwnRange> range = ReserveRange(peer, length);
  if (!range.ok()) return range.status();
  Result<Contact*> c = Find(peer, range->generation, false);
  if (!c.ok()) return c.status();
  Result<SecretBuffer> pad = (*c)->ReadOwn(*range);
  if (!pad.ok()) {
    // The range stays used (never reused); destroy it with the next batch.
    (*c)->MarkUsed(*range).ok();
    return pad.status();
  }
  return Reservation{std::move(*range), std::move(*pad)};
}

Result<SecretBuffer> Store::ReadPad(const OwnRange& range) {
  Result<Contact*> c = Find(range.peer, range.generation, false);
  if (!c.ok()) return c.status();
  return (*c)->ReadOwn(range);
}

Status Store::MarkUsed(const OwnRange& range) {
  Result<Contact*> c = Find(range.peer, range.generation, false);
  if (!c.ok()) return c.status();
  return (*c)->MarkUsed(range);
}

Result<PeerRange> Store::BeginDecrypt(std::string_view peer, uint32_t generation,
                                      uint64_t first_index, uint64_t length) {
  Result<Contact*> c = Find(peer, generation, true);
  if (!c.ok()) return c.status();
  return (*c)->BeginDecrypt(first_index, length);
}

Result<SecretBuffer> Store::ReadPad(const PeerRange& range) {
  Result<Contact*> c = Find(range.peer, range.generation, true);
  if (!c.ok()) return c.status();
  return (*c)->ReadPeer(range);
}

Result<DecryptResult> Store::CommitDecrypt(const PeerRange& range) {
  Result<Contact*> c = Find(range.peer, range.generation, true);
  if (!c.ok()) return c.status();
  return (*c)->CommitDecrypt(range);
}

Status Store::RecordIntegrityFailure(const PeerRange& range) {
  Result<Contact*> c = Find(range.peer, range.generation, true);
  if (!c.ok()) return c.status();
  return (*c)->RecordIntegrityFailure(range);
}

Status Store::Flush() {
  std::shared_lock guard(mu_);
  for (auto& [peer, gens] : contacts_) {
    for (auto& [gen, contact] : gens) {
      if (Status s = contact->Flush(); !s.ok()) return s;
    }
  }
  return Status::Ok();
}

Status Store::Checkpoint() {
  std::shared_lock guard(mu_);
  for (auto& [peer, gens] : contacts_) {
    for (auto& [gen, contact] : gens) {
      if (Status s = contact->Checkpoint(); !s.ok()) return s;
    }
  }
  return Status::Ok();
}

Result<RecoverReport> Store::MovePastWitness(std::string_view peer, uint32_t generation,
                                             uint64_t witness) {
  Result<Contact*> c = Find(peer, generation, true);
  if (!c.ok()) return c.status();
  const uint64_t half = (*c)->Info().own_half;
  return (*c)->MovePastWitness(witness, std::max(kMinRecoverMargin, half / 100));
}

Result<uint64_t> Store::Grant(std::string_view peer, uint32_t generation, uint64_t amount,
                              uint64_t keep) {
  Result<Contact*> c = Find(peer, generation, false);
  if (!c.ok()) return c.status();
  return (*c)->Grant(amount, keep);
}

Result<bool> Store::ReceiveGrant(std::string_view peer, uint32_t generation, uint64_t total) {
  Result<Contact*> c = Find(peer, generation, true);
  if (!c.ok()) return c.status();
  return (*c)->ReceiveGrant(total);
}

Result<bool> Store::HeedGrantWitness(std::string_view peer, uint32_t generation,
                                     uint64_t peer_received) {
  Result<Contact*> c = Find(peer, generation, true);
  if (!c.ok()) return c.status();
  return (*c)->HeedGrantWitness(peer_received);
}

Result<std::vector<RecoverReport>> Store::Recover(const RecoverOptions& options) {
  std::shared_lock guard(mu_);
  if (!options.peer.empty() && !contacts_.contains(options.peer)) {
    if (auto b = broken_.find(options.peer); b != broken_.end()) return b->second;
    return Status::NotFound("no contact " + options.peer + " in the store " + paths_.root);
  }
  std::vector<RecoverReport> reports;
  for (auto& [peer, gens] : contacts_) {
    if (!options.peer.empty() && peer != options.peer) continue;
    for (auto& [gen, contact] : gens) {
      const uint64_t half = contact->Info().own_half;
      uint64_t margin = options.margin;
      if (margin == 0) margin = std::max(kMinRecoverMargin, half / 100);
      Result<RecoverReport> r = contact->Recover(margin, options.force);
      if (!r.ok()) return r.status();
      reports.push_back(*r);
    }
  }
  return reports;
}

}  // namespace otc::padstore
