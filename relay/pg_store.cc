#include "relay/pg_store.h"

#include <poll.h>

#include <algorithm>
#include <chrono>
#include <climits>
#include <cstdlib>
#include <set>

#include "relay/pg_schema.h"
#include "relay/send_digest.h"

namespace otc::relay {

namespace {

int64_t SystemNowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string Num(uint64_t v) { return std::to_string(std::min<uint64_t>(v, INT64_MAX)); }
std::string Num(int64_t v) { return std::to_string(v); }

std::string WakeChannel(int bucket) { return "otc_wake_" + std::to_string(bucket); }

// One round trip per send: an earlier identical send's ref, or a new row (with its digest)
// if the recipient's queue has room. No row back means the quota refused it.
constexpr const char* kAppendSql = R"sql(
WITH prior AS (
  SELECT ref FROM send_digests
  WHERE recipient_uid = $1 AND sender_uid = $2 AND digest = $4),
queue AS (
  SELECT COUNT(*) AS n, COALESCE(SUM(octet_length(contents)), 0) AS bytes FROM messages
  WHERE recipient_uid = $1 AND ($6::bigint > 0 OR $7::bigint > 0)),
ins AS (
  INSERT INTO messages (ref, recipient_uid, sender_uid, contents, created_ms)
  SELECT nextval('message_refs'), $1, $2, $3, $5::bigint FROM queue
  WHERE NOT EXISTS (SELECT 1 FROM prior)
    AND ($6::bigint = 0 OR queue.n < $6::bigint)
    AND ($7::bigint = 0 OR queue.bytes + octet_length($3) <= $7::bigint)
  RETURNING ref),
digest AS (
  INSERT INTO send_digests (recipient_uid, sender_uid, digest, ref, created_ms)
  SELECT $1, $2, $4, ref, $5::bigint FROM ins)
SELECT ref, 0 FROM prior UNION ALL SELECT ref, 1 FROM ins
)sql";

}  // namespace

struct PgStore::WriteOp {
  enum class Kind { kAppend, kAck, kExpire, kAccount } kind;
  NewMessage message;      // kAppend
  std::string key;         // kAck: recipient; kAccount: uid
  std::string token_hash;  // kAccount
  int64_t limit = 0;       // kAck: up_to_ref; kExpire: cutoff
  std::function<void(Result<uint64_t>)> done;
};

struct PgStore::BatchOutcome {
  std::vector<Result<uint64_t>> results;
  std::vector<std::string> recipients;  // of new messages
  uint64_t appended = 0;
  uint64_t max_ref = 0;
};

int PgStore::WakeBucket(std::string_view uid) {
  uint32_t h = 2166136261u;  // FNV-1a: the same in every process and build
  for (unsigned char c : uid) h = (h ^ c) * 16777619u;
  return static_cast<int>(h % kWakeChannels);
}

Result<std::unique_ptr<PgStore>> PgStore::Open(PgStoreOptions options) {
  if (!options.now_unix_ms) options.now_unix_ms = SystemNowMs;
  if (options.max_batch == 0) options.max_batch = 1;
  std::unique_ptr<PgStore> store(new PgStore());
  store->options_ = std::move(options);
  if (Status s = store->Init(); !s.ok()) return s.WithContext("PostgreSQL message store");
  store->writer_ = std::thread([raw = store.get()] { raw->WriterLoop(); });
  store->listener_ = std::thread([raw = store.get()] { raw->ListenLoop(); });
  return store;
}

Status PgStore::Init() {
  Result<std::unique_ptr<PgConn>> conn = PgConn::Connect(options_.conninfo);
  if (!conn.ok()) return conn.status();
  writer_conn_ = std::move(*conn);
  if (Status s = writer_conn_->Exec("SET synchronous_commit = on"); !s.ok()) return s;
  if (Status s = CreateOrMigratePgSchema(*writer_conn_); !s.ok()) return s;
  Result<int64_t> last = writer_conn_->QueryInt(
      "SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM message_refs");
  if (!last.ok()) return last.status();
  last_ref_ = static_cast<uint64_t>(*last);
  // Listening before Open returns: a long-poll subscribed after that misses no wake-up.
  return ConnectListener(listen_conn_);
}

Status PgStore::ConnectListener(std::unique_ptr<PgConn>& out) {
  Result<std::unique_ptr<PgConn>> c = PgConn::Connect(options_.conninfo);
  if (!c.ok()) return c.status();
  std::string listen;
  for (int b = 0; b < kWakeChannels; ++b) listen += "LISTEN " + WakeChannel(b) + ";";
  if (Status s = (*c)->Exec(listen.c_str()); !s.ok()) return s;
  out = std::move(*c);
  return Status::Ok();
}

PgStore::~PgStore() { (void)Close(); }

void PgStore::Enqueue(WriteOp op) {
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

void PgStore::Append(NewMessage message, RefCallback done) {
  Enqueue(WriteOp{WriteOp::Kind::kAppend, std::move(message), {}, {}, 0, std::move(done)});
}

void PgStore::Ack(std::string recipient_uid, uint64_t up_to_ref, CountCallback done) {
  int64_t limit = static_cast<int64_t>(std::min<uint64_t>(up_to_ref, INT64_MAX));
  Enqueue(WriteOp{WriteOp::Kind::kAck, {}, std::move(recipient_uid), {}, limit, std::move(done)});
}

void PgStore::Expire(int64_t cutoff_unix_ms, CountCallback done) {
  Enqueue(WriteOp{WriteOp::Kind::kExpire, {}, {}, {}, cutoff_unix_ms, std::move(done)});
}

void PgStore::CreateAccount(std::string uid, std::string token_hash, StatusCallback done) {
  Enqueue(WriteOp{WriteOp::Kind::kAccount,
                  {},
                  std::move(uid),
                  std::move(token_hash),
                  0,
                  [done = std::move(done)](Result<uint64_t> r) { done(r.status()); }});
}

void PgStore::WriterLoop() {
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

Status PgStore::RunAppend(WriteOp& op, int64_t now, BatchOutcome& out) {
  const NewMessage& m = op.message;
  Result<PgResult> rows = writer_conn_->Query(
      kAppendSql, {m.recipient_uid, m.sender_uid, m.contents, SendDigest(m.contents), Num(now),
                   Num(options_.quota.max_messages), Num(options_.quota.max_bytes)});
  if (!rows.ok()) return rows.status();
  if (rows->rows() == 0) {
    out.results.emplace_back(Status::NoSpace("the recipient's queue is full"));
    return Status::Ok();
  }
  uint64_t ref = static_cast<uint64_t>(rows->Int(0, 0));
  out.results.emplace_back(ref);
  if (rows->Int(0, 1) == 1) {
    ++out.appended;
    out.max_ref = std::max(out.max_ref, ref);
    out.recipients.push_back(m.recipient_uid);
  }
  return Status::Ok();
}

Status PgStore::RunOps(std::vector<WriteOp>& batch, bool skip_appends, BatchOutcome& out) {
  PgConn& c = *writer_conn_;
  std::string begin = "BEGIN; SELECT pg_advisory_xact_lock(" + Num(kPgWriteLock) + ")";
  if (Status s = c.Exec(begin.c_str()); !s.ok()) return s;
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
      case WriteOp::Kind::kAck: {
        Result<PgResult> r = c.Query("DELETE FROM messages WHERE recipient_uid = $1 AND ref <= $2",
                                     {op.key, Num(op.limit)});
        if (r.ok()) out.results.emplace_back(r->affected());
        s = r.status();
        break;
      }
      case WriteOp::Kind::kExpire: {
        Result<PgResult> r = c.Query("DELETE FROM messages WHERE created_ms < $1", {Num(op.limit)});
        if (r.ok()) out.results.emplace_back(r->affected());
        s = r.status();
        if (s.ok()) {
          s = c.Query("DELETE FROM send_digests WHERE created_ms < $1", {Num(op.limit)}).status();
        }
        break;
      }
      case WriteOp::Kind::kAccount: {
        Result<PgResult> r = c.Query(
            "INSERT INTO accounts (uid, token_hash, created_ms) VALUES ($1, $2, $3) "
            "ON CONFLICT DO NOTHING",
            {op.key, op.token_hash, Num(now)});
        if (r.ok() && r->affected() == 1) out.results.emplace_back(uint64_t{0});
        if (r.ok() && r->affected() != 1) {
          out.results.emplace_back(Status::AlreadyExists("the uid is taken"));
        }
        s = r.status();
        break;
      }
    }
    if (!s.ok()) return s;
  }
  if (!out.recipients.empty()) {
    std::set<int> buckets;
    for (const std::string& r : out.recipients) buckets.insert(WakeBucket(r));
    std::string notify;
    for (int b : buckets) notify += "NOTIFY " + WakeChannel(b) + ";";
    if (Status s = c.Exec(notify.c_str()); !s.ok()) return s;
  }
  return c.Exec("COMMIT");
}

void PgStore::RunBatch(std::vector<WriteOp>& batch) {
  BatchOutcome out;
  Status s = failed_.load() ? Status::Failed("message store failed earlier") : Status::Ok();
  if (s.ok()) {
    s = RunOps(batch, /*skip_appends=*/false, out);
    if (s.code() == Status::Code::kNoSpace) {
      // Disk full: refuse this batch's sends, keep its acks and expiries (they free space).
      (void)writer_conn_->Exec("ROLLBACK");
      out = BatchOutcome();
      s = RunOps(batch, /*skip_appends=*/true, out);
    }
    if (!s.ok()) {
      (void)writer_conn_->Exec("ROLLBACK");
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
  appended_.fetch_add(out.appended);
  uint64_t last = last_ref_.load();
  while (out.max_ref > last && !last_ref_.compare_exchange_weak(last, out.max_ref)) {
  }
  waiters_.Notify(out.recipients);
  for (size_t i = 0; i < batch.size(); ++i) batch[i].done(std::move(out.results[i]));
}

void PgStore::ListenLoop() {
  std::unique_ptr<PgConn> conn = std::move(listen_conn_);
  while (!stop_listening_.load()) {
    if (!conn || !conn->ok()) {
      conn.reset();
      if (!ConnectListener(conn).ok()) {
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
        continue;
      }
      // A wake-up may have been missed while not listening: every waiter re-reads.
      waiters_.NotifyMatching([](std::string_view) { return true; });
    }
    pollfd p{conn->socket(), POLLIN, 0};
    if (::poll(&p, 1, 100) <= 0) continue;
    if (!PQconsumeInput(conn->raw())) {
      conn.reset();
      continue;
    }
    std::set<int> buckets;
    while (PGnotify* n = PQnotifies(conn->raw())) {
      std::string_view channel = n->relname;
      if (channel.starts_with("otc_wake_")) buckets.insert(std::atoi(n->relname + 9));
      PQfreemem(n);
    }
    if (!buckets.empty()) {
      waiters_.NotifyMatching(
          [&](std::string_view uid) { return buckets.count(WakeBucket(uid)) > 0; });
    }
  }
}

Result<std::unique_ptr<PgConn>> PgStore::TakeReader() {
  {
    std::lock_guard lock(readers_mu_);
    if (closed_) return Status::Failed("message store is closed");
    if (!readers_.empty()) {
      std::unique_ptr<PgConn> c = std::move(readers_.back());
      readers_.pop_back();
      return c;
    }
  }
  return PgConn::Connect(options_.conninfo);
}

void PgStore::ReturnReader(std::unique_ptr<PgConn> conn) {
  std::lock_guard lock(readers_mu_);
  if (!closed_ && conn->ok()) readers_.push_back(std::move(conn));
}

Result<FetchResult> PgStore::Fetch(std::string_view recipient_uid, uint64_t start_ref,
                                   size_t max_count, size_t max_bytes) {
  Result<std::unique_ptr<PgConn>> reader = TakeReader();
  if (!reader.ok()) return reader.status();
  Result<PgResult> rows = (*reader)->Query(
      "SELECT ref, sender_uid, contents FROM messages "
      "WHERE recipient_uid = $1 AND ref >= $2 ORDER BY ref LIMIT $3",
      {std::string(recipient_uid), Num(start_ref), Num(static_cast<uint64_t>(max_count) + 1)});
  ReturnReader(std::move(*reader));
  if (!rows.ok()) return rows.status();
  FetchResult out;
  size_t bytes = 0;
  for (int i = 0; i < rows->rows(); ++i) {
    std::string_view contents = rows->Text(i, 2);
    if (out.messages.size() == max_count ||
        (!out.messages.empty() && bytes + contents.size() > max_bytes)) {
      out.complete = false;
      break;
    }
    bytes += contents.size();
    out.messages.push_back(StoredMessage{static_cast<uint64_t>(rows->Int(i, 0)),
                                         std::string(recipient_uid), std::string(rows->Text(i, 1)),
                                         std::string(contents)});
  }
  return out;
}

uint64_t PgStore::NextRef() {
  // Shared write lock: waits for a commit in progress, whose refs are already drawn.
  std::string sql = "SELECT pg_advisory_xact_lock_shared(" + Num(kPgWriteLock) +
                    "); SELECT CASE WHEN is_called THEN last_value + 1 ELSE 1 END "
                    "FROM message_refs";
  Result<std::unique_ptr<PgConn>> reader = TakeReader();
  if (reader.ok()) {
    Result<PgResult> r = (*reader)->ExecRows(sql.c_str());
    ReturnReader(std::move(*reader));
    if (r.ok() && r->rows() == 1) {
      uint64_t next = static_cast<uint64_t>(r->Int(0, 0));
      uint64_t last = last_ref_.load();
      while (next - 1 > last && !last_ref_.compare_exchange_weak(last, next - 1)) {
      }
    }
  }
  return last_ref_.load() + 1;
}

uint64_t PgStore::Subscribe(std::string recipient_uid, std::function<void()> wake) {
  return waiters_.Subscribe(std::move(recipient_uid), std::move(wake));
}

void PgStore::Unsubscribe(uint64_t subscription) { waiters_.Unsubscribe(subscription); }

Result<std::string> PgStore::AccountTokenHash(std::string_view uid) {
  Result<std::unique_ptr<PgConn>> reader = TakeReader();
  if (!reader.ok()) return reader.status();
  Result<PgResult> r =
      (*reader)->Query("SELECT token_hash FROM accounts WHERE uid = $1", {std::string(uid)});
  ReturnReader(std::move(*reader));
  if (!r.ok()) return r.status();
  if (r->rows() == 0) return Status::NotFound("no account for this uid");
  return std::string(r->Text(0, 0));
}

StoreStats PgStore::Stats() {
  StoreStats s;
  s.commits = commits_.load();
  s.appended = appended_.load();
  Result<std::unique_ptr<PgConn>> reader = TakeReader();
  if (!reader.ok()) return s;
  Result<PgResult> r =
      (*reader)->Query("SELECT COUNT(*), COALESCE(SUM(octet_length(contents)), 0) FROM messages");
  ReturnReader(std::move(*reader));
  if (r.ok() && r->rows() == 1) {
    s.messages = static_cast<uint64_t>(r->Int(0, 0));
    s.bytes = static_cast<uint64_t>(r->Int(0, 1));
  }
  return s;
}

Status PgStore::failure() {
  std::lock_guard lock(failure_mu_);
  return failure_;
}

Status PgStore::Close() {
  {
    std::lock_guard lock(queue_mu_);
    if (closing_ && !writer_.joinable()) return failed_.load() ? failure() : Status::Ok();
    closing_ = true;
    queue_cv_.notify_all();
  }
  if (writer_.joinable()) writer_.join();
  stop_listening_.store(true);
  if (listener_.joinable()) listener_.join();
  {
    std::lock_guard lock(readers_mu_);
    closed_ = true;
    readers_.clear();
  }
  writer_conn_.reset();
  return failed_.load() ? failure() : Status::Ok();
}

}  // namespace otc::relay
