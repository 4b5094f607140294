// DeviceService: the pad device's core, the only code in otc that touches pad bytes.
//
// Both front ends call it: the daemon (`otc-device serve`, rpc_handler.h) and the offline
// CLI (`otc-device package|unpackage`). It owns the open padstore::Store (one process per
// store: a second opener gets Busy "store ... is in use by PID n"), the confirmation
// policy, the device audit log and the relay cursors. Thread-safe: many requests may run
// at once; padstore serializes what must be serialized per contact.
//
// Package(to, message):
//   contact lookup -> pad cost (otc2: with the envelope, chat/protocol/envelope.h: our
//   clock and our witness, how far we have decrypted the peer's stream) -> user
//   confirmation (a denial consumes nothing) -> Store::Reserve (pad never handed out
//   before) -> chat/protocol Package -> MarkUsed (the pad is burned in batches) -> the
//   package, its index, own pad bytes left.
// Unpackage(from, package):
//   `from` must be a contact, never the owner -> ParsePackageHeader (framing, no pad) ->
//   the identical package decrypted lately? then "already read" (recent_decrypts.h) ->
//   Store::BeginDecrypt (range wholly inside the sender's half, not a replay; no pad read)
//   -> user confirmation -> read the pad -> chat/protocol Unpackage (tag checked in
//   constant time before any plaintext exists) -> on a tag failure RecordIntegrityFailure
//   (consumes nothing) -> the envelope's witness beyond our own position? then
//   Store::MovePastWitness (durable; a ROLLBACK audit line; `rollback` in the result) ->
//   the envelope's split fields: a grant total is recorded durably, a request may be
//   answered with a grant and a control package in the result (device_split.cc) ->
//   CommitDecrypt (the decrypt log is persisted) -> only then is the plaintext returned.
//
// Errors are Status values whose code maps to an RPC category (error_category.h) and whose
// message is safe to show to a (possibly malicious) client: internal details go to the
// device audit log instead. Pad and plaintext buffers are SecretBuffers (wiped).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "chat/device/confirm.h"
#include "chat/device/cursor_store.h"
#include "chat/device/device_audit.h"
#include "chat/device/recent_decrypts.h"
#include "chat/protocol/protocol.h"
#include "chat/rpc/device_rpc.h"
#include "common/secret_buffer.h"
#include "common/status.h"
#include "padstore/store.h"

namespace otc::device {

struct DeviceOptions {
  ConfirmPolicy confirm;         // default tty
  Prompter* prompter = nullptr;  // required unless confirm is auto; not owned
  // Largest message accepted (plaintext bytes).
  size_t max_message = protocol::kDefaultMaxMessageSize;
  // otc2 contacts: pad packages to size buckets (chat/protocol/otc2.h).
  bool hide_length = false;
  padstore::StoreOptions store;  // env, batches, burn mode
  // The clock put into each otc2 envelope as the sent time, in ms since the Unix epoch;
  // default (empty): the system clock. Only tests set it (a fixed clock); no command-line
  // option exposes it.
  std::function<int64_t()> clock_ms;
  // Moving the split: a peer that keeps asking for pad without having heard our last
  // grant is sent the grant again at most this often (device_split.cc).
  std::chrono::milliseconds split_reannounce{10000};
};

struct PackageResult {
  std::vector<uint8_t> package;
  uint64_t index = 0;          // the package's pad index
  uint64_t pad_left = 0;       // own pad bytes left for this contact afterwards
  uint64_t pad_total = 0;      // own half, bytes in all
  bool pad_low = false;        // under 1% of the own half is left
  uint64_t messages_left = 0;  // estimated, 100-byte messages (chat/protocol/pad_left.h)
};

struct UnpackageResult {
  SecretBuffer plaintext;
  uint64_t index = 0;
  uint64_t skipped = 0;  // never-seen pad before this message: > 0 = dropped messages?
  bool late = false;     // behind pad already decrypted: arrived out of order
  // This exact package was decrypted before (recent_decrypts.h): no plaintext, no pad
  // read, not a replay alarm.
  bool already_read = false;
  // The sender's clock (ms since the Unix epoch) from the package's envelope, if any.
  std::optional<int64_t> sent_ms;
  // The package's witness showed our store was rolled back; our own position moved past
  // it (durably, before this result exists) by rollback_skipped bytes.
  bool rollback = false;
  uint64_t rollback_skipped = 0;
  // A control package (envelope.h): no text; the client never shows it.
  bool control = false;
  // A control package for the sender, made because it asked for pad (device_split.cc):
  // the client sends it on; empty when none.
  std::vector<uint8_t> reply_package;
};

// The device RPC's view of the results (the daemon and the offline CLI both print it).
rpc::PackageReply ToReply(const PackageResult& result);
// Index and flags only: the plaintext goes to rpc::EncodeUnpackageReply separately.
rpc::UnpackageReply ReplyFacts(const UnpackageResult& result);

class DeviceService {
 public:
  static Result<std::unique_ptr<DeviceService>> Open(const std::string& store_dir,
                                                     DeviceOptions options);
  ~DeviceService();

  const std::string& owner() const;
  const rpc::SchemaLimits& limits() const { return limits_; }
  // False once the store has stopped after a failed write or fsync (fail-stop): every pad
  // operation is refused until the daemon is restarted.
  bool Healthy() const { return store_ && !store_->failed(); }
  const ConfirmPolicy& confirm_policy() const { return confirmer_.policy(); }
  // Whether a request carrying up to `message_bytes` may stop to ask the user (the daemon
  // runs those off its io threads).
  bool MayPrompt(uint64_t message_bytes) const {
    ConfirmRequest r;
    r.message_bytes = message_bytes;
    return confirmer_.NeedsPrompt(r);
  }

  Result<PackageResult> Package(std::string_view to, std::span<const uint8_t> message);
  Result<UnpackageResult> Unpackage(std::string_view from, std::span<const uint8_t> package);
  Result<std::vector<rpc::ContactInfo>> Contacts();
  Result<uint64_t> GetCursor(const std::string& relay);
  Status PutCursor(const std::string& relay, uint64_t cursor);

  // Audit an event the front end saw (unauthorized requests, malformed bodies).
  void Audit(std::string_view event, std::string_view details);

  // Burns pending used pad and closes the store (the daemon calls it after the server
  // stopped). Later calls fail.
  Status Close();
  // Tests only: drops the store without burning or writing anything, as if the process
  // had been killed (padstore::Store::AbandonForTesting), so that a test can then cut the
  // power (FaultInjectionEnv) and reopen; Close and the destructor then do nothing.
  void AbandonForTesting();

 private:
  DeviceService(DeviceOptions options, std::unique_ptr<padstore::Store> store,
                std::unique_ptr<DeviceAudit> audit, std::unique_ptr<CursorStore> cursors);

  // The client-facing error for `s` (code kept, message made safe), after auditing it.
  Status Refuse(std::string_view op, std::string_view peer, const Status& s);
  void MaybeReportLowPad(const std::string& peer, const padstore::ContactState& info);
  // The envelope's witness beyond our own position: our store was rolled back; moves past
  // it durably (Store::MovePastWitness), audits, and sets result->rollback. Only for a
  // package whose tag verified.
  // Reserves `cost` bytes of own pad, packages `message` with them (the envelope's values
  // filled in for the generation the reservation used) and marks the range used whether
  // or not packaging worked. Sets *index to the package's index.
  Result<std::vector<uint8_t>> Seal(std::string_view to, protocol::Format format,
                                    protocol::Direction own_direction,
                                    std::span<const uint8_t> message, uint64_t cost,
                                    protocol::Options options, uint64_t* index);
  // Reads the range's pad and opens the package with it (chat/protocol checks the tag
  // before any plaintext exists); a tag failure is recorded, consuming nothing. Errors are
  // the client-facing ones (Refuse).
  Result<SecretBuffer> OpenPackage(std::string_view from, const protocol::PackageHeader& header,
                                   std::span<const uint8_t> package,
                                   protocol::Direction sender_direction,
                                   const padstore::PeerRange& range, protocol::Envelope* envelope);
  Status HeedWitness(std::string_view from, uint32_t generation, const protocol::Envelope& envelope,
                     UnpackageResult* result);
  // Moving the split (device_split.cc, split_policy.h).
  // The split fields an outgoing package on `state`'s pad carries.
  static void AddSplitFields(const padstore::ContactState& state, protocol::Envelope* envelope);
  // One generation's state, if the contact holds it.
  std::optional<padstore::ContactState> GenerationState(std::string_view peer,
                                                        uint32_t generation) const;
  // Sets the witness and the present split fields' values for the generation a
  // reservation really used.
  void FillEnvelopeFor(std::string_view peer, uint32_t generation,
                       protocol::Envelope* envelope) const;
  // An authentic package's split fields: the peer's grant total (durable before its pad is
  // used) and its witness of our own ledger. Failures are audited, never refuse the message.
  void HeedSplit(std::string_view from, uint32_t generation, const protocol::Envelope& envelope);
  // The peer asked for pad: grant some (durable before it is announced) and make the
  // control package announcing it, into result->reply_package.
  void AnswerRequest(std::string_view from, uint32_t generation, const protocol::Envelope& envelope,
                     UnpackageResult* result);
  Result<std::vector<uint8_t>> MakeControlPackage(std::string_view to);
  uint64_t ControlPackageCost() const;

  DeviceOptions options_;
  protocol::Options protocol_options_;
  rpc::SchemaLimits limits_;
  Confirmer confirmer_;
  std::unique_ptr<padstore::Store> store_;
  bool abandoned_ = false;  // AbandonForTesting: Close writes nothing
  std::unique_ptr<DeviceAudit> audit_;
  std::unique_ptr<CursorStore> cursors_;
  RecentDecrypts recent_;
  std::mutex low_mu_;
  std::set<std::string> low_reported_;  // contacts whose PAD_LOW is already logged
  std::mutex split_mu_;                 // one grant decision at a time
  std::map<std::string, std::chrono::steady_clock::time_point> announced_;  // under split_mu_
};

}  // namespace otc::device
