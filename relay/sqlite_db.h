// Thin RAII wrappers over the SQLite C API for the relay's store: a connection and
// prepared statements, with errors turned into Status (never exceptions).
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "common/status.h"

namespace otc::relay {

class SqliteStatement {
 public:
  SqliteStatement() = default;
  SqliteStatement(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  ~SqliteStatement();
  SqliteStatement(SqliteStatement&& other) noexcept;
  SqliteStatement& operator=(SqliteStatement&& other) noexcept;

  void Reset();  // reset and clear bindings, ready for the next use
  void Bind(int index, int64_t value);
  void Bind(int index, std::string_view text);
  // Steps once: true if a row is available, false when done; error Status otherwise.
  Result<bool> Step();
  int64_t Int(int column) const;
  std::string_view Text(int column) const;

 private:
  sqlite3* db_ = nullptr;
  sqlite3_stmt* stmt_ = nullptr;
};

class SqliteDb {
 public:
  // Opens (creating if asked) the database at `path` for use by one thread at a time.
  static Result<std::unique_ptr<SqliteDb>> Open(const std::string& path, bool create);
  ~SqliteDb();

  Status Exec(const char* sql);
  Result<SqliteStatement> Prepare(std::string_view sql);
  // Runs a query returning one integer (e.g. "PRAGMA user_version").
  Result<int64_t> QueryInt(const char* sql);
  int64_t LastInsertRowid() const;
  Status Error(std::string_view what) const;  // IOError/NoSpace/Corruption/Busy from errcode
  sqlite3* raw() const { return db_; }

 private:
  explicit SqliteDb(sqlite3* db) : db_(db) {}
  sqlite3* db_;
};

}  // namespace otc::relay
