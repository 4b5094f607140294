#include "tests/relay/pg_server.h"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>

#include "relay/pg_conn.h"
#include "tests/common/test_dir.h"

namespace otc::testing {

namespace {

constexpr const char* kBin = "/usr/lib/postgresql/15/bin/";

// Runs `command` (a shell line) as the postgres user when we are root; output to `log`.
int RunAsServerUser(const std::string& command, const std::string& log) {
  std::string line = geteuid() == 0 ? "runuser -u postgres -- " + command : command;
  line += " >>'" + log + "' 2>&1";
  return std::system(line.c_str());
}

std::string Tail(const std::string& path) {
  std::ifstream in(path);
  std::stringstream all;
  all << in.rdbuf();
  std::string text = all.str();
  return text.size() > 1500 ? text.substr(text.size() - 1500) : text;
}

}  // namespace

Result<std::unique_ptr<PgServer>> PgServer::Start() {
  if (!std::filesystem::exists(std::string(kBin) + "initdb")) {
    return Status::NotFound(std::string(kBin) +
                            "initdb is missing: install postgresql-15 (scripts/setup)");
  }
  char tmpl[] = "/tmp/otc_pg_XXXXXX";
  if (mkdtemp(tmpl) == nullptr) return Status::FromErrno(errno, "mkdtemp");
  std::unique_ptr<PgServer> server(new PgServer());
  server->dir_ = tmpl;
  const std::string& dir = server->dir_;
  std::string log = dir + "/setup.log";
  if (geteuid() == 0) {
    std::string chown = "chown postgres: '" + dir + "'";
    if (std::system(chown.c_str()) != 0) {
      return Status::Denied("cannot chown " + dir + " to the postgres user (is it missing?)");
    }
  }
  std::string initdb = std::string(kBin) + "initdb -D '" + dir +
                       "/data' -A trust -U postgres -E UTF8 --no-sync --no-instructions";
  if (RunAsServerUser(initdb, log) != 0) {
    return Status::IOError("initdb failed (as the postgres user when root): " + Tail(log));
  }
  std::string start = std::string(kBin) + "pg_ctl -D '" + dir + "/data' -l '" + dir +
                      "/server.log' -w -t 60 -o \"-c listen_addresses='' "
                      "-c unix_socket_directories='" +
                      dir + "' -c max_connections=200\" start";
  if (RunAsServerUser(start, log) != 0) {
    return Status::IOError("pg_ctl start failed: " + Tail(log) + Tail(dir + "/server.log"));
  }
  server->started_ = true;
  Result<std::unique_ptr<relay::PgConn>> conn =
      relay::PgConn::Connect("postgresql:///postgres?host=" + dir + "&user=postgres");
  if (!conn.ok()) return conn.status();
  if (Status s = (*conn)->Exec("CREATE DATABASE otc"); !s.ok()) return s;
  return server;
}

PgServer* PgServer::Shared(std::string* error) {
  static std::once_flag once;
  static std::unique_ptr<PgServer> shared;
  static std::string failure;
  std::call_once(once, [] {
    Result<std::unique_ptr<PgServer>> s = Start();
    if (s.ok()) {
      shared = std::move(*s);
    } else {
      failure = s.status().ToString();
    }
  });
  if (!shared && error) *error = failure;
  return shared.get();
}

PgServer::~PgServer() {
  if (started_) {
    std::string stop = std::string(kBin) + "pg_ctl -D '" + dir_ + "/data' -m immediate -w stop";
    RunAsServerUser(stop, dir_ + "/setup.log");
  }
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

std::string PgServer::Uri(const std::string& schema) const {
  std::string uri = "postgresql:///otc?host=" + dir_ + "&user=postgres";
  if (!schema.empty()) uri += "&options=-csearch_path%3D" + schema;
  return uri;
}

Result<std::string> PgServer::NewSchema() {
  std::string name = "t";
  name += std::to_string(getpid());
  name += "_";
  name += std::to_string(next_schema_++);
  if (Status s = Exec("CREATE SCHEMA " + name); !s.ok()) return s;
  return name;
}

Status PgServer::Exec(const std::string& sql) {
  Result<std::unique_ptr<relay::PgConn>> conn = relay::PgConn::Connect(Uri());
  if (!conn.ok()) return conn.status();
  return (*conn)->Exec(sql.c_str());
}

}  // namespace otc::testing
