// Test helper: the two MessageStore backends behind one interface, so one conformance
// suite (store_conformance_test.cc) runs against both.
//
// A backend object is one place where a store lives (an SQLite file in a temp dir, or a
// fresh schema on the shared test PostgreSQL); Open can be called again after Close to
// see what survived a restart, and ReadCount reads through a connection of its own, as
// another process would.
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <string>

#include "relay/message_store.h"
#include "relay/pg_conn.h"
#include "relay/pg_store.h"
#include "relay/sqlite_db.h"
#include "relay/sqlite_store.h"
#include "tests/common/test_dir.h"
#include "tests/relay/pg_server.h"

namespace otc::testing {

struct StoreTestOptions {
  std::function<int64_t()> clock;
  relay::QueueQuota quota;
};

class SqliteBackend {
 public:
  static constexpr const char* kName = "Sqlite";
  Result<std::unique_ptr<relay::MessageStore>> Open(StoreTestOptions o = {}) {
    relay::SqliteStoreOptions options;
    options.path = dir_.File("relay.db");
    options.now_unix_ms = std::move(o.clock);
    options.quota = o.quota;
    Result<std::unique_ptr<relay::SqliteStore>> s = relay::SqliteStore::Open(options);
    if (!s.ok()) return s.status();
    return std::unique_ptr<relay::MessageStore>(std::move(*s));
  }
  // Messages stored for `recipient`, read through a separate connection.
  Result<int64_t> ReadCount(const std::string& recipient) {
    Result<std::unique_ptr<relay::SqliteDb>> db =
        relay::SqliteDb::Open(dir_.File("relay.db"), false);
    if (!db.ok()) return db.status();
    // As the store's own readers do: wait out the writer's brief lock instead of failing.
    if (Status s = (*db)->Exec("PRAGMA busy_timeout = 10000"); !s.ok()) return s;
    std::string sql = "SELECT COUNT(*) FROM messages WHERE recipient_uid = '" + recipient + "'";
    return (*db)->QueryInt(sql.c_str());
  }

 private:
  TestDir dir_;
};

class PgBackend {
 public:
  static constexpr const char* kName = "Postgres";
  PgBackend() {
    std::string error;
    server_ = PgServer::Shared(&error);
    if (!server_) {
      ADD_FAILURE() << "PostgreSQL test server: " << error;
      return;
    }
    Result<std::string> schema = server_->NewSchema();
    if (!schema.ok()) {
      ADD_FAILURE() << schema.status().ToString();
      return;
    }
    uri_ = server_->Uri(*schema);
  }
  Result<std::unique_ptr<relay::MessageStore>> Open(StoreTestOptions o = {}) {
    if (uri_.empty()) return Status::Unavailable("no PostgreSQL test server");
    relay::PgStoreOptions options;
    options.conninfo = uri_;
    options.now_unix_ms = std::move(o.clock);
    options.quota = o.quota;
    Result<std::unique_ptr<relay::PgStore>> s = relay::PgStore::Open(options);
    if (!s.ok()) return s.status();
    return std::unique_ptr<relay::MessageStore>(std::move(*s));
  }
  Result<int64_t> ReadCount(const std::string& recipient) {
    Result<std::unique_ptr<relay::PgConn>> conn = relay::PgConn::Connect(uri_);
    if (!conn.ok()) return conn.status();
    return (*conn)->QueryInt("SELECT COUNT(*) FROM messages WHERE recipient_uid = $1", {recipient});
  }
  const std::string& uri() const { return uri_; }
  PgServer* server() const { return server_; }

 private:
  PgServer* server_ = nullptr;
  std::string uri_;
};

}  // namespace otc::testing
