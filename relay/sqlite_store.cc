#include "relay/sqlite_store.h"

#include <chrono>

namespace otc::relay {

namespace {

constexpr int kSchemaVersion = 1;

constexpr const char* kSchema = R"sql(
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
  if (*version == 0) {
    if (Status s = w.Exec("BEGIN IMMEDIATE"); !s.ok()) return s;
    Status s = w.Exec(kSchema);
    if (s.ok()) s = w.Exec("COMMIT");
    if (!s.ok()) {
      (void)w.Exec("ROLLBACK");
      return s;
    }
  } else if (*version != kSchemaVersion) {
    return Status::Unsupported("schema version " + std::to_string(*version) +
                               " is not supported by this otc-relay (expects " +
                               std::to_string(kSchemaVersion) + ")");
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
  return Status::Ok();
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
             static_cast<int64_t>(up_to_ref),
             std::move(done)};
  Enqueue(std::move(op));
}

void SqliteStore::Expire(int64_t cutoff_unix_ms, CountCallback done) {
  WriteOp op{WriteOp::Kind::kExpire, {}, {}, cutoff_unix_ms, std::move(done)};
  Enqueue(std::move(op));
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

void SqliteStore::RunBatch(std::vector<WriteOp>& batch) {
  std::vector<Result<uint64_t>> results;
  results.reserve(batch.size());
  std::vector<std::string> recipients;
  uint64_t added = 0, added_bytes = 0, removed = 0, removed_bytes = 0, max_ref = 0;

  Status s;
  if (failed_.load()) {
    s = Status::Failed("message store failed earlier");
  } else {
    SqliteDb& w = *writer_db_;
    s = w.Exec("BEGIN IMMEDIATE");
    int64_t now = options_.now_unix_ms();
    for (WriteOp& op : batch) {
      if (!s.ok()) break;
      switch (op.kind) {
        case WriteOp::Kind::kAppend: {
          insert_.Reset();
          insert_.Bind(1, op.message.recipient_uid);
          insert_.Bind(2, op.message.sender_uid);
          insert_.Bind(3, op.message.contents);
          insert_.Bind(4, now);
          Result<bool> step = insert_.Step();
          if (!step.ok()) {
            s = step.status();
            break;
          }
          uint64_t ref = static_cast<uint64_t>(w.LastInsertRowid());
          results.emplace_back(ref);
          max_ref = std::max(max_ref, ref);
          ++added;
          added_bytes += op.message.contents.size();
          recipients.push_back(op.message.recipient_uid);
          break;
        }
        case WriteOp::Kind::kAck:
        case WriteOp::Kind::kExpire: {
          SqliteStatement& stmt = op.kind == WriteOp::Kind::kAck ? ack_ : expire_;
          stmt.Reset();
          if (op.kind == WriteOp::Kind::kAck) {
            stmt.Bind(1, op.recipient);
            stmt.Bind(2, op.limit);
          } else {
            stmt.Bind(1, op.limit);
          }
          uint64_t count = 0;
          while (true) {
            Result<bool> row = stmt.Step();
            if (!row.ok()) {
              s = row.status();
              break;
            }
            if (!*row) break;
            ++count;
            removed_bytes += static_cast<uint64_t>(stmt.Int(0));
          }
          stmt.Reset();
          removed += count;
          results.emplace_back(count);
          break;
        }
      }
    }
    insert_.Reset();
    if (s.ok()) s = w.Exec("COMMIT");
    if (!s.ok()) {
      (void)w.Exec("ROLLBACK");
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
  appended_.fetch_add(added);
  messages_.fetch_add(added);
  messages_.fetch_sub(removed);
  bytes_.fetch_add(added_bytes);
  bytes_.fetch_sub(removed_bytes);
  if (max_ref > last_ref_.load()) last_ref_.store(max_ref);
  waiters_.Notify(recipients);
  for (size_t i = 0; i < batch.size(); ++i) batch[i].done(std::move(results[i]));
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
  auto reader = std::make_unique<Reader>();
  reader->db = std::move(*db);
  reader->fetch = std::move(*fetch);
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
  insert_ = SqliteStatement();
  ack_ = SqliteStatement();
  expire_ = SqliteStatement();
  writer_db_.reset();  // the last connection to close checkpoints and removes the WAL
  lock_.reset();
  return failed_.load() ? failure() : Status::Ok();
}

}  // namespace otc::relay
