#include "relay/sqlite_store.h"

#include <algorithm>
#include <chrono>
#include <climits>

#include "relay/send_digest.h"

namespace otc::relay {

namespace {

constexpr int kSchemaVersion = 2;

// Version 0 -> 1: messages.
constexpr const char* kSchemaV1 = R"sql(
CREATE TABLE messages (
  ref           INTEGER PRIMARY KEY AUTOINCREMENT,
  recipient_uid TEXT NOT NULL,
  sender_uid    TEXT NOT NULL,
  contents      TEXT NOT NULL,
  created_ms    INTEGER NOT NULL);
CREATE INDEX messages_by_recipient ON messages(recipient_uid, ref);
CREATE INDEX messages_by_age ON messages(created_ms);
PRAGMA user_version = 1;
)sql";

// Version 1 -> 2: digests of sends (idempotent send) and accounts.
constexpr const char* kSchemaV2 = R"sql(
CREATE TABLE send_digests (
  recipient_uid TEXT NOT NULL,
  sender_uid    TEXT NOT NULL,
  digest        TEXT NOT NULL,
  ref           INTEGER NOT NULL,
  created_ms    INTEGER NOT NULL,
  PRIMARY KEY (recipient_uid, sender_uid, digest)) WITHOUT ROWID;
CREATE INDEX send_digests_by_age ON send_digests(created_ms);
CREATE TABLE accounts (
  uid        TEXT PRIMARY KEY,
  token_hash TEXT NOT NULL,
  created_ms INTEGER NOT NULL) WITHOUT ROWID;
PRAGMA user_version = 2;
)sql";

constexpr const char* kMigrations[] = {kSchemaV1, kSchemaV2};
static_assert(std::size(kMigrations) == kSchemaVersion);

int64_t SystemNowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

Result<std::unique_ptr<SqliteStore>> SqliteStore::Open(SqliteStoreOptions options) {
  if (!options.now_unix_ms) options.now_unix_ms = SystemNowMs;
  if (options.max_batch == 0) options.max_batch = 1;
  std::unique_ptr<SqliteStore> store(new SqliteStore());
  store->options_ = std::move(options);
  Status s = store->Init();
  if (!s.ok()) return s.WithContext("message store " + store->options_.path);
  store->writer_ = std::thread([raw = store.get()] { raw->WriterLoop(); });
  return store;
}

Status SqliteStore::Init() {
  Env* env = Env::Default();
  Result<std::unique_ptr<FileLock>> lock = env->LockFile(options_.path + ".lock");
  if (!lock.ok()) return lock.status();
  lock_ = std::move(*lock);

  if (!env->FileExists(options_.path)) {
    OpenOptions create;
    create.write = true;
    create.create = true;
    create.mode = 0600;
    Result<std::unique_ptr<File>> file = env->OpenFile(options_.path, create);
    if (!file.ok()) return file.status();
  }

  Result<std::unique_ptr<SqliteDb>> db = SqliteDb::Open(options_.path, /*create=*/true);
  if (!db.ok()) return db.status();
  writer_db_ = std::move(*db);
  SqliteDb& w = *writer_db_;
  if (Status s = w.Exec("PRAGMA busy_timeout = 10000"); !s.ok()) return s;
  {
    Result<SqliteStatement> mode = w.Prepare("PRAGMA journal_mode = WAL");
    if (!mode.ok()) return mode.status();
    Result<bool> row = mode->Step();
    if (!row.ok()) return row.status();
    if (!*row || mode->Text(0) != "wal") {
      return Status::IOError("cannot switch the database to WAL mode");
    }
  }
  if (Status s = w.Exec("PRAGMA synchronous = FULL"); !s.ok()) return s;

  Result<int64_t> version = w.QueryInt("PRAGMA user_version");
  if (!version.ok()) return version.status();
  if (*version > kSchemaVersion || *version < 0) {
    return Status::Unsupported("schema version " + std::to_string(*version) +
                               " is not supported by this otc-relay (expects at most " +
                               std::to_string(kSchemaVersion) + ")");
  }
  for (int64_t v = *version; v < kSchemaVersion; ++v) {
    if (Status s = w.Exec("BEGIN IMMEDIATE"); !s.ok()) return s;
    Status s = w.Exec(kMigrations[v]);
    if (s.ok()) s = w.Exec("COMMIT");
    if (!s.ok()) {
      (void)w.Exec("ROLLBACK");
      return s.WithContext("migrating the schema to version " + std::to_string(v + 1));
    }
  }

  Result<int64_t> last =
      w.QueryInt("SELECT COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'messages'), 0)");
  if (!last.ok()) return last.status();
  last_ref_ = static_cast<uint64_t>(*last);
  Result<int64_t> count = w.QueryInt("SELECT COUNT(*) FROM messages");
  if (!count.ok()) return count.status();
  messages_ = static_cast<uint64_t>(*count);
  Result<int64_t> bytes =
      w.QueryInt("SELECT COALESCE(SUM(LENGTH(CAST(contents AS BLOB))), 0) FROM messages");
  if (!bytes.ok()) return bytes.status();
  bytes_ = static_cast<uint64_t>(*bytes);

  if (options_.max_page_count > 0) {
    std::string cap = "PRAGMA max_page_count = " + std::to_string(options_.max_page_count);
    if (Status s = w.Exec(cap.c_str()); !s.ok()) return s;
  }

  Result<SqliteStatement> insert = w.Prepare(
      "INSERT INTO messages (recipient_uid, sender_uid, contents, created_ms) "
      "VALUES (?1, ?2, ?3, ?4)");
  if (!insert.ok()) return insert.status();
  insert_ = std::move(*insert);
  Result<SqliteStatement> ack = w.Prepare(
      "DELETE FROM messages WHERE recipient_uid = ?1 AND ref <= ?2 "
      "RETURNING LENGTH(CAST(contents AS BLOB))");
  if (!ack.ok()) return ack.status();
  ack_ = std::move(*ack);
  Result<SqliteStatement> expire = w.Prepare(
      "DELETE FROM messages WHERE created_ms < ?1 RETURNING LENGTH(CAST(contents AS BLOB))");
  if (!expire.ok()) return expire.status();
  expire_ = std::move(*expire);
  return PrepareExtras(w);
}

SqliteStore::~SqliteStore() { (void)Close(); }

void SqliteStore::Enqueue(WriteOp op) {
  {
    std::lock_guard lock(queue_mu_);
    if (!closing_) {
      queue_.push_back(std::move(op));
      queue_cv_.notify_one();
      return;
    }
  }
  op.done(Status::Failed("message store is closed"));
}

void SqliteStore::Append(NewMessage message, RefCallback done) {
  WriteOp op{WriteOp::Kind::kAppend, std::move(message), {}, 0, std::move(done)};
  Enqueue(std::move(op));
}

void SqliteStore::Ack(std::string recipient_uid, uint64_t up_to_ref, CountCallback done) {
  WriteOp op{WriteOp::Kind::kAck,
             {},
             std::move(recipient_uid),
             static_cast<int64_t>(std::min<uint64_t>(up_to_ref, INT64_MAX)),
             std::move(done)};
  Enqueue(std::move(op));
}

void SqliteStore::Expire(int64_t cutoff_unix_ms, CountCallback done) {
  WriteOp op{WriteOp::Kind::kExpire, {}, {}, cutoff_unix_ms, std::move(done)};
  Enqueue(std::move(op));
}

void SqliteStore::CreateAccount(std::string uid, std::string token_hash, StatusCallback done) {
  WriteOp op{WriteOp::Kind::kAccount,
             {{}, {}, std::move(token_hash)},
             std::move(uid),
             0,
             [done = std::move(done)](Result<uint64_t> r) { done(r.status()); }};
  Enqueue(std::move(op));
}

Result<std::string> SqliteStore::AccountTokenHash(std::string_view uid) {
  Result<std::unique_ptr<Reader>> reader = TakeReader();
  if (!reader.ok()) return reader.status();
  SqliteStatement& stmt = (*reader)->account;
  stmt.Reset();
  stmt.Bind(1, uid);
  Result<bool> row = stmt.Step();
  Result<std::string> out = Status::NotFound("no account for this uid");
  if (!row.ok()) out = row.status();
  if (row.ok() && *row) out = std::string(stmt.Text(0));
  stmt.Reset();
  ReturnReader(std::move(*reader));
  return out;
}

void SqliteStore::WriterLoop() {
  std::vector<WriteOp> batch;
  std::unique_lock lock(queue_mu_);
  while (true) {
    queue_cv_.wait(lock, [&] { return !queue_.empty() || closing_; });
    if (queue_.empty()) break;  // closing and drained
    if (queue_.size() <= options_.max_batch) {
      batch.swap(queue_);
    } else {
      auto split = queue_.begin() + static_cast<ptrdiff_t>(options_.max_batch);
      batch.assign(std::make_move_iterator(queue_.begin()), std::make_move_iterator(split));
      queue_.erase(queue_.begin(), split);
    }
    lock.unlock();
    RunBatch(batch);
    batch.clear();
    lock.lock();
  }
}

Status SqliteStore::PrepareExtras(SqliteDb& w) {
  struct {
    SqliteStatement* into;
    const char* sql;
  } statements[] = {
      {&find_digest_,
       "SELECT ref FROM send_digests "
       "WHERE recipient_uid = ?1 AND sender_uid = ?2 AND digest = ?3"},
      {&insert_digest_,
       "INSERT INTO send_digests "
       "(recipient_uid, sender_uid, digest, ref, created_ms) "
       "VALUES (?1, ?2, ?3, ?4, ?5)"},
      {&queue_size_,
       "SELECT COUNT(*), COALESCE(SUM(LENGTH(CAST(contents AS BLOB))), 0) "
       "FROM messages WHERE recipient_uid = ?1"},
      {&expire_digests_, "DELETE FROM send_digests WHERE created_ms < ?1"},
      {&insert_account_,
       "INSERT OR IGNORE INTO accounts (uid, token_hash, created_ms) "
       "VALUES (?1, ?2, ?3)"},
  };
  for (auto& [into, sql] : statements) {
    Result<SqliteStatement> stmt = w.Prepare(sql);
    if (!stmt.ok()) return stmt.status();
    *into = std::move(*stmt);
  }
  return Status::Ok();
}

// Steps `stmt` to completion; the number of rows it returned, or the error.
Result<uint64_t> SqliteStore::StepAll(SqliteStatement& stmt, uint64_t* sum_of_first_column) {
  uint64_t rows = 0;
  while (true) {
    Result<bool> row = stmt.Step();
    if (!row.ok()) {
      stmt.Reset();
      return row.status();
    }
    if (!*row) break;
    ++rows;
    if (sum_of_first_column) *sum_of_first_column += static_cast<uint64_t>(stmt.Int(0));
  }
  stmt.Reset();
  return rows;
}

Status SqliteStore::RunAppend(WriteOp& op, int64_t now, BatchOutcome& out) {
  const NewMessage& m = op.message;
  std::string digest = SendDigest(m.contents);
  find_digest_.Reset();
  find_digest_.Bind(1, m.recipient_uid);
  find_digest_.Bind(2, m.sender_uid);
  find_digest_.Bind(3, digest);
  Result<bool> found = find_digest_.Step();
  if (!found.ok()) return found.status();
  if (*found) {
    out.results.emplace_back(static_cast<uint64_t>(find_digest_.Int(0)));
    find_digest_.Reset();
    return Status::Ok();
  }
  find_digest_.Reset();

  const QueueQuota& quota = options_.quota;
  if (quota.max_messages > 0 || quota.max_bytes > 0) {
    queue_size_.Reset();
    queue_size_.Bind(1, m.recipient_uid);
    Result<bool> row = queue_size_.Step();
    if (!row.ok()) return row.status();
    uint64_t count = static_cast<uint64_t>(queue_size_.Int(0));
    uint64_t bytes = static_cast<uint64_t>(queue_size_.Int(1));
    queue_size_.Reset();
    if ((quota.max_messages > 0 && count >= quota.max_messages) ||
        (quota.max_bytes > 0 && bytes + m.contents.size() > quota.max_bytes)) {
      out.results.emplace_back(Status::NoSpace("the recipient's queue is full"));
      return Status::Ok();
    }
  }

  insert_.Reset();
  insert_.Bind(1, m.recipient_uid);
  insert_.Bind(2, m.sender_uid);
  insert_.Bind(3, m.contents);
  insert_.Bind(4, now);
  Result<bool> step = insert_.Step();
  insert_.Reset();
  if (!step.ok()) return step.status();
  uint64_t ref = static_cast<uint64_t>(writer_db_->LastInsertRowid());
  insert_digest_.Reset();
  insert_digest_.Bind(1, m.recipient_uid);
  insert_digest_.Bind(2, m.sender_uid);
  insert_digest_.Bind(3, digest);
  insert_digest_.Bind(4, static_cast<int64_t>(ref));
  insert_digest_.Bind(5, now);
  step = insert_digest_.Step();
  insert_digest_.Reset();
  if (!step.ok()) return step.status();
  out.results.emplace_back(ref);
  out.max_ref = std::max(out.max_ref, ref);
  ++out.added;
  out.added_bytes += m.contents.size();
  out.recipients.push_back(m.recipient_uid);
  return Status::Ok();
}

Status SqliteStore::RunOps(std::vector<WriteOp>& batch, bool skip_appends, BatchOutcome& out) {
  SqliteDb& w = *writer_db_;
  if (Status s = w.Exec("BEGIN IMMEDIATE"); !s.ok()) return s;
  int64_t now = options_.now_unix_ms();
  for (WriteOp& op : batch) {
    Status s;
    switch (op.kind) {
      case WriteOp::Kind::kAppend:
        if (skip_appends) {
          out.results.emplace_back(Status::NoSpace("the relay's storage is full"));
        } else {
          s = RunAppend(op, now, out);
        }
        break;
      case WriteOp::Kind::kAck:
      case WriteOp::Kind::kExpire: {
        bool ack = op.kind == WriteOp::Kind::kAck;
        SqliteStatement& stmt = ack ? ack_ : expire_;
        stmt.Reset();
        if (ack) {
          stmt.Bind(1, op.recipient);
          stmt.Bind(2, op.limit);
        } else {
          stmt.Bind(1, op.limit);
        }
        Result<uint64_t> count = StepAll(stmt, &out.removed_bytes);
        if (count.ok() && !ack) {
          expire_digests_.Reset();
          expire_digests_.Bind(1, op.limit);
          s = StepAll(expire_digests_, nullptr).status();
        }
        if (count.ok()) {
          out.removed += *count;
          out.results.emplace_back(*count);
        }
        if (s.ok()) s = count.status();
        break;
      }
      case WriteOp::Kind::kAccount: {
        insert_account_.Reset();
        insert_account_.Bind(1, op.recipient);
        insert_account_.Bind(2, op.message.contents);  // the token hash
        insert_account_.Bind(3, now);
        s = StepAll(insert_account_, nullptr).status();
        if (s.ok() && sqlite3_changes(w.raw()) == 1) out.results.emplace_back(uint64_t{0});
        if (s.ok() && sqlite3_changes(w.raw()) != 1) {
          out.results.emplace_back(Status::AlreadyExists("the uid is taken"));
        }
        break;
      }
    }
    if (!s.ok()) return s;
  }
  return w.Exec("COMMIT");
}

void SqliteStore::RunBatch(std::vector<WriteOp>& batch) {
  BatchOutcome out;
  Status s = failed_.load() ? Status::Failed("message store failed earlier") : Status::Ok();
  if (s.ok()) {
    s = RunOps(batch, /*skip_appends=*/false, out);
    if (s.code() == Status::Code::kNoSpace) {
      // Disk full: refuse this batch's sends, keep its acks and expiries (they free space).
      (void)writer_db_->Exec("ROLLBACK");
      out = BatchOutcome();
      s = RunOps(batch, /*skip_appends=*/true, out);
    }
    if (!s.ok()) {
      (void)writer_db_->Exec("ROLLBACK");
      std::lock_guard lock(failure_mu_);
      failure_ = s;
      failed_.store(true);
    }
  }
  if (!s.ok()) {
    Status failed = Status::Failed("message store failed: " + s.message());
    for (WriteOp& op : batch) op.done(failed);
    return;
  }
  commits_.fetch_add(1);
  appended_.fetch_add(out.added);
  messages_.fetch_add(out.added);
  messages_.fetch_sub(out.removed);
  bytes_.fetch_add(out.added_bytes);
  bytes_.fetch_sub(out.removed_bytes);
  if (out.max_ref > last_ref_.load()) last_ref_.store(out.max_ref);
  waiters_.Notify(out.recipients);
  for (size_t i = 0; i < batch.size(); ++i) batch[i].done(std::move(out.results[i]));
}

Result<std::unique_ptr<SqliteStore::Reader>> SqliteStore::TakeReader() {
  {
    std::lock_guard lock(readers_mu_);
    if (closed_) return Status::Failed("message store is closed");
    if (!readers_.empty()) {
      std::unique_ptr<Reader> r = std::move(readers_.back());
      readers_.pop_back();
      return r;
    }
  }
  Result<std::unique_ptr<SqliteDb>> db = SqliteDb::Open(options_.path, /*create=*/false);
  if (!db.ok()) return db.status();
  if (Status s = (*db)->Exec("PRAGMA busy_timeout = 10000; PRAGMA query_only = 1"); !s.ok()) {
    return s;
  }
  Result<SqliteStatement> fetch = (*db)->Prepare(
      "SELECT ref, sender_uid, contents FROM messages "
      "WHERE recipient_uid = ?1 AND ref >= ?2 ORDER BY ref LIMIT ?3");
  if (!fetch.ok()) return fetch.status();
  Result<SqliteStatement> account =
      (*db)->Prepare("SELECT token_hash FROM accounts WHERE uid = ?1");
  if (!account.ok()) return account.status();
  auto reader = std::make_unique<Reader>();
  reader->db = std::move(*db);
  reader->fetch = std::move(*fetch);
  reader->account = std::move(*account);
  return reader;
}

void SqliteStore::ReturnReader(std::unique_ptr<Reader> reader) {
  std::lock_guard lock(readers_mu_);
  if (!closed_) readers_.push_back(std::move(reader));
}

Result<FetchResult> SqliteStore::Fetch(std::string_view recipient_uid, uint64_t start_ref,
                                       size_t max_count, size_t max_bytes) {
  Result<std::unique_ptr<Reader>> reader = TakeReader();
  if (!reader.ok()) return reader.status();
  SqliteStatement& stmt = (*reader)->fetch;
  stmt.Reset();
  stmt.Bind(1, recipient_uid);
  stmt.Bind(2, static_cast<int64_t>(std::min<uint64_t>(start_ref, INT64_MAX)));
  stmt.Bind(3, static_cast<int64_t>(max_count) + 1);
  FetchResult out;
  size_t bytes = 0;
  while (true) {
    Result<bool> row = stmt.Step();
    if (!row.ok()) {
      stmt.Reset();
      ReturnReader(std::move(*reader));
      return row.status();
    }
    if (!*row) break;
    std::string_view contents = stmt.Text(2);
    if (out.messages.size() == max_count ||
        (!out.messages.empty() && bytes + contents.size() > max_bytes)) {
      out.complete = false;
      break;
    }
    bytes += contents.size();
    out.messages.push_back(StoredMessage{static_cast<uint64_t>(stmt.Int(0)),
                                         std::string(recipient_uid), std::string(stmt.Text(1)),
                                         std::string(contents)});
  }
  stmt.Reset();
  ReturnReader(std::move(*reader));
  return out;
}

uint64_t SqliteStore::NextRef() { return last_ref_.load() + 1; }

uint64_t SqliteStore::Subscribe(std::string recipient_uid, std::function<void()> wake) {
  return waiters_.Subscribe(std::move(recipient_uid), std::move(wake));
}

void SqliteStore::Unsubscribe(uint64_t subscription) { waiters_.Unsubscribe(subscription); }

StoreStats SqliteStore::Stats() {
  StoreStats s;
  s.messages = messages_.load();
  s.bytes = bytes_.load();
  s.commits = commits_.load();
  s.appended = appended_.load();
  return s;
}

Status SqliteStore::failure() {
  std::lock_guard lock(failure_mu_);
  return failure_;
}

Status SqliteStore::Close() {
  {
    std::lock_guard lock(queue_mu_);
    if (closing_ && !writer_.joinable()) return Status::Ok();
    closing_ = true;
    queue_cv_.notify_all();
  }
  if (writer_.joinable()) writer_.join();
  {
    std::lock_guard lock(readers_mu_);
    closed_ = true;
    readers_.clear();
  }
  for (SqliteStatement* stmt : {&insert_, &ack_, &expire_, &find_digest_, &insert_digest_,
                                &queue_size_, &expire_digests_, &insert_account_}) {
    *stmt = SqliteStatement();
  }
  writer_db_.reset();  // the last connection to close checkpoints and removes the WAL
  lock_.reset();
  return failed_.load() ? failure() : Status::Ok();
}

}  // namespace otc::relay
