// PgStore: the relay's MessageStore on PostgreSQL, shared by several relay processes
// (`otc-relay --db postgresql://...`).
//
// Schema (table otc_schema holds the version; created and migrated at Open, under an
// advisory lock so relays starting together do not race; version 1):
//
//   CREATE SEQUENCE message_refs;                 -- refs: never reused, not even after
//                                                 -- a rolled-back transaction
//   CREATE TABLE messages (
//     ref bigint PRIMARY KEY, recipient_uid text NOT NULL, sender_uid text NOT NULL,
//     contents text NOT NULL, created_ms bigint NOT NULL);
//   CREATE INDEX messages_by_recipient ON messages (recipient_uid, ref);
//   CREATE INDEX messages_by_age ON messages (created_ms);
//   CREATE TABLE send_digests (                   -- idempotent send, kept until expiry
//     recipient_uid text, sender_uid text, digest text, ref bigint NOT NULL,
//     created_ms bigint NOT NULL, PRIMARY KEY (recipient_uid, sender_uid, digest));
//   CREATE INDEX send_digests_by_age ON send_digests (created_ms);
//   CREATE TABLE accounts (uid text PRIMARY KEY, token_hash text NOT NULL,
//     created_ms bigint NOT NULL);
//
// Writes: one writer thread per process takes every queued write, runs them in one
// transaction and COMMITs with synchronous_commit = on before any callback runs, so
// concurrent sends share a commit (group commit). Every write transaction first takes one
// cluster-wide advisory lock (pg_advisory_xact_lock). That serialises the write
// transactions of all relay processes, which is what keeps refs in commit order: a reader
// that has seen ref N can never later see a smaller ref appear for its queue. NextRef
// takes the same lock shared, so it never answers past a ref still being committed.
//
// Wake-ups across processes: a transaction that appended to a recipient issues NOTIFY on
// one of 64 channels chosen by a hash of the uid (payload-free). Each process LISTENs on
// all 64 on its own connection and wakes its subscribers of uids in that bucket; the
// waiter re-reads. Subscribers in the same process are also woken directly after commit.
//
// A failed statement or COMMIT (including a lost connection, whose commit outcome is
// unknown) makes the store fail-stop; disk full (SQLSTATE class 53) refuses that batch's
// appends with NoSpace and re-runs its acks and expiries.
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "relay/message_store.h"
#include "relay/pg_conn.h"
#include "relay/waiter_registry.h"

namespace otc::relay {

struct PgStoreOptions {
  std::string conninfo;                  // libpq URI or key=value string
  std::function<int64_t()> now_unix_ms;  // stamps created_ms; default: the system clock
  size_t max_batch = 4096;               // writes per transaction at most
  QueueQuota quota;
};

class PgStore final : public MessageStore {
 public:
  static constexpr int kWakeChannels = 64;

  // Errors: Unavailable (cannot connect), Unsupported (newer schema), IOError.
  static Result<std::unique_ptr<PgStore>> Open(PgStoreOptions options);
  ~PgStore() override;

  void Append(NewMessage message, RefCallback done) override;
  Result<FetchResult> Fetch(std::string_view recipient_uid, uint64_t start_ref, size_t max_count,
                            size_t max_bytes) override;
  uint64_t NextRef() override;
  void Ack(std::string recipient_uid, uint64_t up_to_ref, CountCallback done) override;
  void Expire(int64_t cutoff_unix_ms, CountCallback done) override;
  uint64_t Subscribe(std::string recipient_uid, std::function<void()> wake) override;
  void Unsubscribe(uint64_t subscription) override;
  void CreateAccount(std::string uid, std::string token_hash, StatusCallback done) override;
  Result<std::string> AccountTokenHash(std::string_view uid) override;
  StoreStats Stats() override;
  bool failed() override { return failed_.load(); }
  Status Close() override;

  Status failure();
  // The wake-up channel bucket of a uid (stable across processes).
  static int WakeBucket(std::string_view uid);

 private:
  struct WriteOp;
  struct BatchOutcome;

  PgStore() = default;
  Status Init();
  void Enqueue(WriteOp op);
  void WriterLoop();
  void RunBatch(std::vector<WriteOp>& batch);
  Status RunOps(std::vector<WriteOp>& batch, bool skip_appends, BatchOutcome& out);
  Status RunAppend(WriteOp& op, int64_t now, BatchOutcome& out);
  Status ConnectListener(std::unique_ptr<PgConn>& out);
  void ListenLoop();
  Result<std::unique_ptr<PgConn>> TakeReader();
  void ReturnReader(std::unique_ptr<PgConn> conn);

  PgStoreOptions options_;
  std::unique_ptr<PgConn> writer_conn_;

  std::mutex queue_mu_;
  std::condition_variable queue_cv_;
  std::vector<WriteOp> queue_;
  bool closing_ = false;
  std::thread writer_;
  std::atomic<bool> stop_listening_{false};
  std::unique_ptr<PgConn> listen_conn_;  // handed to the listener thread
  std::thread listener_;

  std::mutex readers_mu_;
  bool closed_ = false;
  std::vector<std::unique_ptr<PgConn>> readers_;

  WaiterRegistry waiters_;
  std::atomic<bool> failed_{false};
  std::mutex failure_mu_;
  Status failure_;
  std::atomic<uint64_t> last_ref_{0};
  std::atomic<uint64_t> commits_{0};
  std::atomic<uint64_t> appended_{0};
};

}  // namespace otc::relay
