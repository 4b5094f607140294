// SqliteStore: the relay's embedded MessageStore, one SQLite file in WAL mode.
//
// Schema (PRAGMA user_version = 2; version 1 had only `messages` and is migrated at open):
//
//   CREATE TABLE messages (
//     ref           INTEGER PRIMARY KEY AUTOINCREMENT,  -- never reused (sqlite_sequence)
//     recipient_uid TEXT NOT NULL,
//     sender_uid    TEXT NOT NULL,
//     contents      TEXT NOT NULL,                      -- the client's base64, as sent
//     created_ms    INTEGER NOT NULL);                  -- unix ms, for --retention
//   CREATE INDEX messages_by_recipient ON messages(recipient_uid, ref);
//   CREATE INDEX messages_by_age ON messages(created_ms);
//   CREATE TABLE send_digests (                         -- idempotent send (send_digest.h)
//     recipient_uid TEXT, sender_uid TEXT, digest TEXT, ref INTEGER NOT NULL,
//     created_ms INTEGER NOT NULL,                      -- expired with the messages' cutoff
//     PRIMARY KEY (recipient_uid, sender_uid, digest)) WITHOUT ROWID;
//   CREATE TABLE accounts (uid TEXT PRIMARY KEY, token_hash TEXT NOT NULL,
//     created_ms INTEGER NOT NULL) WITHOUT ROWID;
//
// AUTOINCREMENT keeps the highest ref ever handed out in sqlite_sequence, inside the same
// transactions, so a ref is not reused after its row is deleted or after a restart.
//
// Durability by group commit: one writer thread takes every queued write (appends, acks,
// expiries), runs them in one transaction and commits with synchronous=FULL (the WAL is
// fsynced), and only then calls their callbacks; concurrent sends share one fsync. A
// failed statement or commit rolls back and makes the store fail-stop, except SQLITE_FULL
// (disk full, or max_page_count): then the batch is re-run without its sends, which fail
// with NoSpace, and the store stays usable.
//
// Reads (Fetch) run on the caller's thread on a pooled read-only connection; WAL lets
// them proceed while the writer commits. The database file is created mode 0600 (SQLite
// gives -wal/-shm the same mode) and "<db>.lock" is held so one relay owns one database.
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/env.h"
#include "relay/message_store.h"
#include "relay/sqlite_db.h"
#include "relay/waiter_registry.h"

namespace otc::relay {

struct SqliteStoreOptions {
  std::string path = "relay.db";
  // Stamps created_ms; tests substitute a fake clock. Default: the system clock.
  std::function<int64_t()> now_unix_ms;
  size_t max_batch = 4096;  // writes per transaction at most
  // Caps the database at this many pages (0 = no cap). Writes past it fail like a full
  // disk, which is how tests exercise it.
  int64_t max_page_count = 0;
  QueueQuota quota;
};

class SqliteStore final : public MessageStore {
 public:
  // Errors: Busy (another relay holds the database), Unsupported (newer schema),
  // Corruption, IOError, Denied.
  static Result<std::unique_ptr<SqliteStore>> Open(SqliteStoreOptions options);
  ~SqliteStore() override;

  void Append(NewMessage message, RefCallback done) override;
  Result<FetchResult> Fetch(std::string_view recipient_uid, uint64_t start_ref, size_t max_count,
                            size_t max_bytes) override;
  uint64_t NextRef() override;
  void Ack(std::string recipient_uid, uint64_t up_to_ref, CountCallback done) override;
  void Expire(int64_t cutoff_unix_ms, CountCallback done) override;
  uint64_t Subscribe(std::string recipient_uid, std::function<void()> wake) override;
  void CreateAccount(std::string uid, std::string token_hash, StatusCallback done) override;
  Result<std::string> AccountTokenHash(std::string_view uid) override;
  void Unsubscribe(uint64_t subscription) override;
  StoreStats Stats() override;
  bool failed() override { return failed_.load(); }
  Status Close() override;

  // Why the store failed (for the operator's log), or ok.
  Status failure();

 private:
  struct WriteOp {
    enum class Kind { kAppend, kAck, kExpire, kAccount } kind;
    NewMessage message;     // kAppend; kAccount: contents holds the token hash
    std::string recipient;  // kAck; kAccount: the uid
    int64_t limit = 0;      // kAck: up_to_ref; kExpire: cutoff
    std::function<void(Result<uint64_t>)> done;
  };
  struct Reader {
    std::unique_ptr<SqliteDb> db;
    SqliteStatement fetch;
    SqliteStatement account;
  };
  struct BatchOutcome {
    std::vector<Result<uint64_t>> results;
    std::vector<std::string> recipients;  // of new messages
    uint64_t added = 0, added_bytes = 0, removed = 0, removed_bytes = 0, max_ref = 0;
  };

  SqliteStore() = default;
  Status Init();
  void Enqueue(WriteOp op);
  void WriterLoop();
  Status PrepareExtras(SqliteDb& w);
  void RunBatch(std::vector<WriteOp>& batch);
  Status RunOps(std::vector<WriteOp>& batch, bool skip_appends, BatchOutcome& out);
  Status RunAppend(WriteOp& op, int64_t now, BatchOutcome& out);
  static Result<uint64_t> StepAll(SqliteStatement& stmt, uint64_t* sum_of_first_column);
  Result<std::unique_ptr<Reader>> TakeReader();
  void ReturnReader(std::unique_ptr<Reader> reader);

  SqliteStoreOptions options_;
  std::unique_ptr<FileLock> lock_;
  std::unique_ptr<SqliteDb> writer_db_;
  SqliteStatement insert_, ack_, expire_;
  SqliteStatement find_digest_, insert_digest_, queue_size_, expire_digests_, insert_account_;

  std::mutex queue_mu_;
  std::condition_variable queue_cv_;
  std::vector<WriteOp> queue_;
  bool closing_ = false;
  bool closed_ = false;
  std::thread writer_;

  std::mutex readers_mu_;
  std::vector<std::unique_ptr<Reader>> readers_;

  WaiterRegistry waiters_;
  std::atomic<bool> failed_{false};
  std::mutex failure_mu_;
  Status failure_;
  std::atomic<uint64_t> last_ref_{0};
  std::atomic<uint64_t> messages_{0};
  std::atomic<uint64_t> bytes_{0};
  std::atomic<uint64_t> commits_{0};
  std::atomic<uint64_t> appended_{0};
};

}  // namespace otc::relay
