// MessageStore: where the relay keeps messages between a send and their delivery.
//
// The HTTP layer (relay_service.h) talks only to this interface. Two backends implement
// it and pass one conformance suite (tests/relay/store_conformance_test.cc): the embedded
// SQLite one (sqlite_store.h) and PostgreSQL (pg_store.h), which several relay processes
// share, with LISTEN/NOTIFY feeding Subscribe.
//
// Contract every backend keeps:
//   * Refs are assigned by the store, strictly increase, and are never reused: not after
//     the newest message is deleted, not after a restart.
//   * Append's callback reports ok only once the message is durable (committed and
//     synced); Ack's and Expire's callbacks likewise only after the deletion is durable.
//   * A failed write makes the store fail-stop: that operation and every later write
//     fail with Status::Failed; nothing is retried.
//   * Fetch sees every message whose Append callback has run.
//   * Idempotent send: an Append with the same recipient, sender and contents as an earlier
//     one (compared by SHA-256 of the contents, see send_digest.h) gets the earlier ref and
//     stores nothing, even after that message was acked or expired, for as long as its
//     digest is kept (digests are expired with the same cutoff as messages).
//   * Full is not fatal: an Append refused because the recipient's queue is at its quota
//     or because the storage is full (disk full) fails with Status::NoSpace; the store
//     stays usable, reads and acks keep working, and sends succeed again once there is
//     room. Only other write errors (I/O, corruption, a failed sync) are fail-stop.
// Contents are opaque to the store (the relay stores the client's base64 text as sent).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace otc::relay {

struct NewMessage {
  std::string recipient_uid;
  std::string sender_uid;
  std::string contents;
};

struct StoredMessage {
  uint64_t ref = 0;
  std::string recipient_uid;
  std::string sender_uid;
  std::string contents;
};

struct FetchResult {
  std::vector<StoredMessage> messages;
  bool complete = true;  // no message for the recipient with ref >= start_ref was left out
};

// Per-recipient cap on queued messages; 0 = no cap.
struct QueueQuota {
  uint64_t max_messages = 0;
  uint64_t max_bytes = 0;  // sum of contents' lengths
};

struct StoreStats {
  uint64_t messages = 0;  // messages currently stored
  uint64_t bytes = 0;     // sum of their contents' lengths
  uint64_t commits = 0;   // write transactions committed (one fsync each)
  uint64_t appended = 0;  // messages appended since open
};

class MessageStore {
 public:
  using RefCallback = std::function<void(Result<uint64_t>)>;
  using CountCallback = std::function<void(Result<uint64_t>)>;
  using StatusCallback = std::function<void(Status)>;

  virtual ~MessageStore() = default;

  // Queues `message`; `done` gets its ref once durable. Called from a store thread:
  // keep it short (post real work elsewhere).
  virtual void Append(NewMessage message, RefCallback done) = 0;

  // The recipient's messages with ref >= start_ref in ref order: at most max_count of
  // them, and stopping before the total contents would pass max_bytes (but always at least
  // one message if there is one). Thread-safe and synchronous (a short read).
  virtual Result<FetchResult> Fetch(std::string_view recipient_uid, uint64_t start_ref,
                                    size_t max_count, size_t max_bytes) = 0;

  // The ref the next appended message will get at least (1 + the highest ref ever given).
  virtual uint64_t NextRef() = 0;

  // Deletes the recipient's messages with ref <= up_to_ref; `done` gets how many.
  virtual void Ack(std::string recipient_uid, uint64_t up_to_ref, CountCallback done) = 0;

  // Deletes every message stored before `cutoff_unix_ms`; `done` gets how many.
  virtual void Expire(int64_t cutoff_unix_ms, CountCallback done) = 0;

  // Calls `wake` (from a store thread, possibly concurrently with the caller) each time a
  // message for `recipient_uid` becomes visible to Fetch, until Unsubscribe; it may also
  // be called when nothing new is there (the waiter re-reads). `wake` must
  // be quick and must not call Subscribe/Unsubscribe. Returns a subscription id.
  virtual uint64_t Subscribe(std::string recipient_uid, std::function<void()> wake) = 0;
  // After this returns, `wake` of that subscription is not running and will not run.
  virtual void Unsubscribe(uint64_t subscription) = 0;

  // Accounts (who may read and ack a queue). CreateAccount stores `token_hash` for `uid`
  // durably, or fails with AlreadyExists if the uid is taken.
  virtual void CreateAccount(std::string uid, std::string token_hash, StatusCallback done) = 0;
  // The stored token hash for `uid`, or NotFound.
  virtual Result<std::string> AccountTokenHash(std::string_view uid) = 0;

  virtual StoreStats Stats() = 0;
  // True once a write failed (fail-stop).
  virtual bool failed() = 0;

  // Finishes queued writes, then closes. Later calls fail with Status::Failed.
  virtual Status Close() = 0;
};

// Blocking helpers over the callback API, for tests and tools.
Result<uint64_t> AppendAndWait(MessageStore& store, NewMessage message);
Result<uint64_t> AckAndWait(MessageStore& store, std::string recipient_uid, uint64_t up_to_ref);
Result<uint64_t> ExpireAndWait(MessageStore& store, int64_t cutoff_unix_ms);
Status CreateAccountAndWait(MessageStore& store, std::string uid, std::string token_hash);

}  // namespace otc::relay
