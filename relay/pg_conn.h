// Thin RAII wrappers over libpq for the relay's PostgreSQL store: one connection and its
// query results, with errors turned into Status by SQLSTATE (never exceptions).
//
// SQLSTATE mapping: class 53 (insufficient resources; 53100 disk full) -> NoSpace;
// XX001/XX002 (data/index corrupted) -> Corruption; 40001/40P01 (serialization failure,
// deadlock) -> Busy; 23505 (unique violation) -> AlreadyExists; class 08 and a broken
// connection -> Unavailable; anything else -> IOError.
#pragma once

#include <libpq-fe.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace otc::relay {

class PgResult {
 public:
  PgResult() = default;
  explicit PgResult(PGresult* r) : result_(r, &PQclear) {}
  int rows() const { return result_ ? PQntuples(result_.get()) : 0; }
  bool IsNull(int row, int column) const { return PQgetisnull(result_.get(), row, column); }
  std::string_view Text(int row, int column) const {
    return {PQgetvalue(result_.get(), row, column),
            static_cast<size_t>(PQgetlength(result_.get(), row, column))};
  }
  int64_t Int(int row, int column) const;
  // Rows a DELETE/INSERT/UPDATE touched.
  uint64_t affected() const;

 private:
  std::shared_ptr<PGresult> result_;
};

class PgConn {
 public:
  // Connects with a libpq connection string or URI (postgresql://...).
  static Result<std::unique_ptr<PgConn>> Connect(const std::string& conninfo);
  ~PgConn();
  PgConn(const PgConn&) = delete;
  PgConn& operator=(const PgConn&) = delete;

  // Runs one or more statements without parameters.
  Status Exec(const char* sql);
  // Runs one statement with text parameters; returns its rows.
  Result<PgResult> Query(const char* sql, const std::vector<std::string>& params = {});
  // Runs one or more statements without parameters (one implicit transaction unless they
  // say otherwise) and returns the last one's rows.
  Result<PgResult> ExecRows(const char* sql);
  // Runs a query returning one integer.
  Result<int64_t> QueryInt(const char* sql, const std::vector<std::string>& params = {});
  bool ok() const { return PQstatus(conn_) == CONNECTION_OK; }
  int socket() const { return PQsocket(conn_); }
  PGconn* raw() const { return conn_; }

 private:
  explicit PgConn(PGconn* conn) : conn_(conn) {}
  Status ErrorFrom(PGresult* result, std::string_view what) const;
  PGconn* conn_;
};

// Status for a SQLSTATE (see the table above), with `message` as its text.
Status StatusFromSqlState(std::string_view sqlstate, std::string message);

}  // namespace otc::relay
