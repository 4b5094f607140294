// Store: the padstore API the device daemon, padgen and the padstore CLI call.
//
// A store is a directory owned by one user holding one entry per contact (layout in
// store_paths.h and docs/STORAGE.md). One process uses a store at a time (an exclusive
// flock on STORE/LOCK; a second opener gets Busy "store ... is in use by PID n"); inside
// that process every method is thread-safe. A read-only open (StoreOptions::read_only)
// takes no lock and may run beside it.
//
// Sending (device "package"):
//     Result<Reservation> r = store->Reserve("bob", n);     // range + pad bytes
//     ... encrypt with r->pad (stream order), send r->range.first_index ...
//     store->MarkUsed(r->range);                             // destroy that pad (batched)
//   Reserve never hands out a byte twice, even across crashes: a durable mark is fsync'd
//   ahead of the bytes handed out (journal_format.h). Errors: Exhausted (names the peer
//   and the bytes left; nothing consumed), NotFound (unknown contact), Failed (fail-stop).
//
// Receiving (device "unpackage"):
//     Result<PeerRange> p = store->BeginDecrypt("bob", first_index, length);
//         // InvalidArgument: range not wholly inside bob's half, or bob is the owner
//         // Replay: the range overlaps pad already decrypted (logged)
//     Result<SecretBuffer> pad = store->ReadPad(*p);          // stream order
//     ... verify the tag ...
//     on success: Result<DecryptResult> d = store->CommitDecrypt(*p);
//         // persisted before it returns ok: only then release the plaintext;
//         // d->skipped > 0: never-seen pad before it (warn: dropped messages);
//         // Replay if a concurrent duplicate committed first
//     on tag failure: store->RecordIntegrityFailure(*p);     // audit only, consumes nothing
//
// Renewal: a contact may hold several pads, its generations (generations.h). Reserve
// uses the newest one with room for the message and says which in OwnRange::generation;
// BeginDecrypt takes the generation the package names. AddContact adds the next one,
// Retire removes an old one.
//
// Any failed write or fsync trips a store-wide fail-stop: every later call returns
// Failed until the store is closed and reopened (recovery reads what is really on disk).
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

#include "common/env.h"
#include "common/secret_buffer.h"
#include "common/status.h"
#include "padstore/audit_log.h"
#include "padstore/contact_meta.h"
#include "padstore/fail_stop.h"
#include "padstore/store_paths.h"
#include "padstore/store_types.h"

namespace otc::padstore {

class Contact;

// How a pad file gets to STORE/contacts/<peer>/pad.
enum class PadPlacement {
  kMove,     // rename(2) it there (same file system); a no-op if it is already there
  kSymlink,  // leave it where it is (removable drive, block device) and link to it
};

// A contact to register (padstore add, padgen, import-legacy).
struct ContactSpec {
  std::string peer;
  std::string pad_path;                  // the pad; may already be STORE/contacts/<peer>/pad
  std::string manifest_path;             // its complete manifest; may already be in place
  Direction direction = Direction::kUp;  // the owner's direction
  Format format = Format::kOtc2;
  uint64_t split = 0;  // 0 = pad_size / 2
  PadPlacement placement = PadPlacement::kMove;
  uint32_t flags = 0;  // ContactMeta flags
  // Which generation the pad becomes; unset: 0 for a new contact, else the newest + 1.
  // padgen sets it so that both stores of a pair give the pad the same number.
  std::optional<uint32_t> generation;
  // Initial state (import-legacy): own stream bytes already used, peer ranges already
  // decrypted. Ignored when the contact already exists with the same pad.
  uint64_t initial_own_used = 0;
  std::vector<IndexRange> initial_decrypted;
};

class Store {
 public:
  // Creates the store directory (mode 0700) for `owner`, or checks that an existing one
  // belongs to `owner` (idempotent). AlreadyExists if it belongs to someone else.
  static Status Init(const std::string& dir, std::string_view owner, Env* env = nullptr);

  // Opens an initialised store: takes the lock, recovers every contact (destroying used
  // pad that a crash left unburned) and compacts their journals. A contact that cannot
  // be recovered does not stop the others; calls naming it return its error.
  static Result<std::unique_ptr<Store>> Open(const std::string& dir, StoreOptions options = {});

  ~Store();  // Close(), errors ignored
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  // Burns every used byte and writes clean-close snapshots; releases the lock. Callers
  // must have finished every request first.
  Status Close();
  // Tests: drops everything without writing, as if the process had been killed.
  void AbandonForTesting();

  const std::string& dir() const { return paths_.root; }
  const std::string& owner() const { return owner_; }
  // Registered peers, sorted (including ones whose entry failed to open).
  std::vector<std::string> Peers() const;
  // Facts and counters for a contact's packaging generation (the newest with own pad
  // left, else the newest), with the totals over every generation it holds; NotFound for
  // an unknown peer.
  Result<ContactState> Info(std::string_view peer) const;
  // One entry per generation the contact holds, oldest first.
  Result<std::vector<ContactState>> Generations(std::string_view peer) const;

  // --- sending -----------------------------------------------------------------------
  Result<OwnRange> ReserveRange(std::string_view peer, uint64_t length);
  Result<Reservation> Reserve(std::string_view peer, uint64_t length);
  // Pad bytes of a range from ReserveRange (stream order). Refused once MarkUsed.
  Result<SecretBuffer> ReadPad(const OwnRange& range);
  // The range's pad has been used (or will never be): destroy it (batched).
  Status MarkUsed(const OwnRange& range);

  // --- receiving ---------------------------------------------------------------------
  // `generation`: the pad the package names (common/pad_vocabulary.h). A generation the
  // contact no longer holds (retired) or never had is refused with Unsupported, naming
  // which, before any pad is read.
  Result<PeerRange> BeginDecrypt(std::string_view peer, uint32_t generation, uint64_t first_index,
                                 uint64_t length);
  Result<PeerRange> BeginDecrypt(std::string_view peer, uint64_t first_index, uint64_t length) {
    return BeginDecrypt(peer, 0, first_index, length);
  }
  Result<SecretBuffer> ReadPad(const PeerRange& range);
  Result<DecryptResult> CommitDecrypt(const PeerRange& range);
  Status RecordIntegrityFailure(const PeerRange& range);

  // --- maintenance -------------------------------------------------------------------
  // Burns all pending used pad and syncs every journal. Used pad is otherwise burned in
  // batches (StoreOptions::burn_batch), so the device should call this on a timer or
  // when idle: with 100-byte messages a 1 MiB batch would otherwise wait ~10,000 messages.
  Status Flush();
  // Compacts every journal now.
  Status Checkpoint();
  // `padstore recover`: for each contact found copied or restored (or every one with
  // `force`), moves the own stream position past anything the original store may have
  // used, destroys the skipped pad, and allows packaging again. See copy_state.h.
  Result<std::vector<RecoverReport>> Recover(const RecoverOptions& options);
  // The peer's witness from an authenticated package (chat/protocol/envelope.h): the peer
  // has decrypted `peer`'s pad of ours up to own stream offset `witness`. Beyond our own
  // stream position, that proves this store was rolled back (restored from a snapshot that
  // copy detection missed): the position moves past it by the recover margin
  // (max(kMinRecoverMargin, 1% of the half)), durably, before it returns; the skipped pad is
  // burned and the audit log gets a ROLLBACK line. report.needed = it moved. Call it only
  // after the package's tag verified. `generation` is the package's pad generation: a
  // witness speaks of the pad the package was made with.
  Result<RecoverReport> MovePastWitness(std::string_view peer, uint32_t generation,
                                        uint64_t witness);
  // Moving the split (split_grants.h). `generation`: the pad concerned; Unsupported for
  // one the contact does not hold. Each is durable (a kSplit journal record, synced)
  // before it returns, and writes an audit line.
  //
  // Gives `amount` bytes from the far end of the own stream (the pad next to the split)
  // to the peer, leaving at least `keep` unused own bytes. Returns the new total given,
  // which the caller then announces. Exhausted if there is not that much to spare;
  // Denied while the contact needs recovery.
  Result<uint64_t> Grant(std::string_view peer, uint32_t generation, uint64_t amount,
                         uint64_t keep);
  // An authenticated package from the peer announced granting `total` bytes in all:
  // the own stream may run that much further (once this returns). Returns whether it
  // changed anything (a repeated or lower total does not); InvalidArgument, nothing
  // written, for a total that cannot be true.
  Result<bool> ReceiveGrant(std::string_view peer, uint32_t generation, uint64_t total);
  // An authenticated package from the peer says it has heard this side grant
  // `peer_received` in all. More than this store's ledger records means the store was
  // rolled back: the ledger is raised to it (ROLLBACK audit line). Returns whether it
  // changed.
  Result<bool> HeedGrantWitness(std::string_view peer, uint32_t generation, uint64_t peer_received);
  // Registers a contact (see ContactSpec). Idempotent for the same pad. For a contact
  // that already holds other pads, the new pad becomes its next generation (a renewal;
  // refused for otc1 contacts, whose index cannot name a generation). The meta file is
  // written last: it is the commit point (contact_registration.cc).
  Result<ContactState> AddContact(const ContactSpec& spec);
  // `padstore retire`: destroys every byte of one generation's pad, then removes the
  // generation (retire.cc). Refuses the newest generation: it is the one that packages.
  Result<RetireReport> Retire(std::string_view peer, uint32_t generation);

  bool failed() const { return fail_.failed(); }
  Status failure() const { return fail_.status(); }
  // The Env all durable I/O of this store goes through.
  Env& env() const { return *options_.env; }

 private:
  Store(StorePaths paths, std::string owner, StoreOptions options, std::unique_ptr<FileLock> lock);

  // A contact's pads by generation.
  using GenerationMap = std::map<uint32_t, std::unique_ptr<Contact>>;

  // Loads every generation of a contact (an unfinished or half-retired generation, one
  // without its meta file, is skipped).
  Status LoadContact(const std::string& peer);
  Result<std::unique_ptr<Contact>> OpenGeneration(const std::string& peer, uint32_t generation);
  // The contact's generations, or NotFound / its load error. Logs unknown peers and owner
  // claims. Callers hold mu_ (shared).
  Result<GenerationMap*> FindLocked(std::string_view peer, bool incoming) const;
  // One generation: Unsupported (retired / unknown generation) when it is not held.
  Result<Contact*> Find(std::string_view peer, uint32_t generation, bool incoming) const;
  // The generation a new pad for spec.peer gets (contact_registration.cc).
  Result<uint32_t> ChooseGenerationLocked(const ContactSpec& spec, const ContactMeta& meta) const;
  Status StoreAudit(std::string_view event, const std::string& details) const;

  StorePaths paths_;
  std::string owner_;
  StoreOptions options_;
  std::unique_ptr<FileLock> lock_;
  std::unique_ptr<AuditLog> audit_;
  mutable FailStop fail_;
  mutable std::shared_mutex mu_;  // guards the maps (AddContact writes them)
  std::map<std::string, GenerationMap, std::less<>> contacts_;
  std::map<std::string, Status, std::less<>> broken_;
  bool closed_ = false;
};

// padgen's entry point: Init (idempotent) + Open + AddContact + Close.
Result<ContactState> RegisterContact(const std::string& store_dir, std::string_view owner,
                                     const ContactSpec& spec, Env* env = nullptr);

}  // namespace otc::padstore
