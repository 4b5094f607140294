#include "relay/pg_conn.h"

#include <charconv>

namespace otc::relay {

int64_t PgResult::Int(int row, int column) const {
  std::string_view text = Text(row, column);
  int64_t value = 0;
  std::from_chars(text.data(), text.data() + text.size(), value);
  return value;
}

uint64_t PgResult::affected() const {
  std::string_view text = result_ ? PQcmdTuples(result_.get()) : "";
  uint64_t value = 0;
  std::from_chars(text.data(), text.data() + text.size(), value);
  return value;
}

Status StatusFromSqlState(std::string_view sqlstate, std::string message) {
  if (sqlstate.substr(0, 2) == "53") return Status::NoSpace(std::move(message));
  if (sqlstate == "XX001" || sqlstate == "XX002") return Status::Corruption(std::move(message));
  if (sqlstate == "40001" || sqlstate == "40P01") return Status::Busy(std::move(message));
  if (sqlstate == "23505") return Status::AlreadyExists(std::move(message));
  if (sqlstate.empty() || sqlstate.substr(0, 2) == "08") {
    return Status::Unavailable(std::move(message));
  }
  return Status::IOError(std::move(message));
}

Result<std::unique_ptr<PgConn>> PgConn::Connect(const std::string& conninfo) {
  PGconn* conn = PQconnectdb(conninfo.c_str());
  if (conn == nullptr) return Status::Internal("out of memory connecting to PostgreSQL");
  if (PQstatus(conn) != CONNECTION_OK) {
    std::string message = PQerrorMessage(conn);
    while (!message.empty() && message.back() == '\n') message.pop_back();
    PQfinish(conn);
    return Status::Unavailable("cannot connect to PostgreSQL: " + message);
  }
  // Server notices ("relation already exists, skipping") are not errors; keep stderr quiet.
  PQsetNoticeProcessor(
      conn, [](void*, const char*) {}, nullptr);
  return std::unique_ptr<PgConn>(new PgConn(conn));
}

PgConn::~PgConn() { PQfinish(conn_); }

Status PgConn::ErrorFrom(PGresult* result, std::string_view what) const {
  const char* state = result ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
  std::string message = std::string(what) + ": " + PQerrorMessage(conn_);
  while (!message.empty() && message.back() == '\n') message.pop_back();
  if (PQstatus(conn_) != CONNECTION_OK) return Status::Unavailable(std::move(message));
  return StatusFromSqlState(state ? state : "", std::move(message));
}

Status PgConn::Exec(const char* sql) { return ExecRows(sql).status(); }

Result<PgResult> PgConn::ExecRows(const char* sql) {
  PGresult* r = PQexec(conn_, sql);
  ExecStatusType st = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
  if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK) {
    Status s = ErrorFrom(r, "PostgreSQL");
    PQclear(r);
    return s;
  }
  return PgResult(r);
}

Result<PgResult> PgConn::Query(const char* sql, const std::vector<std::string>& params) {
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const std::string& p : params) values.push_back(p.c_str());
  PGresult* r = PQexecParams(conn_, sql, static_cast<int>(values.size()), nullptr, values.data(),
                             nullptr, nullptr, 0);
  ExecStatusType st = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
  if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK) {
    Status s = ErrorFrom(r, "PostgreSQL");
    PQclear(r);
    return s;
  }
  return PgResult(r);
}

Result<int64_t> PgConn::QueryInt(const char* sql, const std::vector<std::string>& params) {
  Result<PgResult> r = Query(sql, params);
  if (!r.ok()) return r.status();
  if (r->rows() != 1 || r->IsNull(0, 0)) return Status::Internal("expected one integer");
  return r->Int(0, 0);
}

}  // namespace otc::relay
