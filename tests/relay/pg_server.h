// Test helper: a real PostgreSQL 15 server for the duration of a test binary.
//
// initdb + pg_ctl in a fresh temporary directory, listening on a Unix socket in that
// directory only (listen_addresses = ''), trust authentication for the postgres role.
// PostgreSQL refuses to run as root, so when the tests run as root (as in CI) the server
// runs as the `postgres` system user (runuser) and the directory is chown'ed to it.
// Binaries come from /usr/lib/postgresql/15/bin (Debian's postgresql-15).
//
// There is no skipping: if the server cannot start, Shared() fails the test with the
// reason and the fix (scripts/setup installs postgresql-15).
#pragma once

#include <memory>
#include <string>

#include "common/status.h"

namespace otc::testing {

class PgServer {
 public:
  static Result<std::unique_ptr<PgServer>> Start();
  // One server per test process, started on first use and stopped at exit; nullptr (with
  // a reason in *error) if it could not start.
  static PgServer* Shared(std::string* error);
  ~PgServer();  // pg_ctl stop, then removes the directory

  const std::string& dir() const { return dir_; }
  // A libpq URI for database `db` (default "otc") with `schema` first on the search path
  // (empty: the default public schema).
  std::string Uri(const std::string& schema = "") const;
  // A fresh, empty schema in database "otc" with a unique name; returns its name.
  Result<std::string> NewSchema();
  // Runs SQL as the superuser in database "otc".
  Status Exec(const std::string& sql);

 private:
  PgServer() = default;
  std::string dir_;
  bool started_ = false;
  int next_schema_ = 0;
};

}  // namespace otc::testing
