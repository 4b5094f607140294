// otc-relay: the One Time Chat relay, an untrusted store-and-forward server.
//
// Exit codes (common/cli/exit_codes.h): 0 clean shutdown (SIGTERM/SIGINT), 1 the storage
// failed while running (fail-stop; restart to recover from the WAL), 2 bad command line,
// 13 could not start (database or listen address).
#include <signal.h>
#include <sys/resource.h>

#include <cstdio>
#include <iostream>
#include <optional>
#include <string>
#include <thread>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "common/byte_size.h"
#include "common/cli/command_line.h"
#include "common/cli/exit_codes.h"
#include "common/http/server.h"
#include "common/http/tls.h"
#include "relay/metrics_endpoint.h"
#include "relay/params.h"
#include "relay/pg_store.h"
#include "relay/relay_service.h"
#include "relay/retention.h"
#include "relay/sqlite_store.h"

namespace {

using namespace otc;
using namespace otc::relay;

constexpr int kExitOk = cli::kExitOk, kExitFailed = cli::kExitFailed, kExitUsage = cli::kExitUsage,
              kExitStart = cli::kExitCannotStart;

void Log(std::string_view line) {
  std::string out = "otc-relay: ";
  out += line;
  out += '\n';
  std::fwrite(out.data(), 1, out.size(), stderr);
}

// Thousands of held long-polls need thousands of descriptors: use the hard limit.
void RaiseFileLimit() {
  rlimit limit;
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    setrlimit(RLIMIT_NOFILE, &limit);
  }
}

// The store --db names: a PostgreSQL URI (postgresql:// or postgres://) or an SQLite file.
struct OpenedStore {
  std::unique_ptr<MessageStore> store;
  std::function<Status()> failure;
};

Result<OpenedStore> OpenStore(const std::string& db, QueueQuota quota) {
  OpenedStore out;
  if (db.starts_with("postgresql://") || db.starts_with("postgres://")) {
    PgStoreOptions o;
    o.conninfo = db;
    o.quota = quota;
    Result<std::unique_ptr<PgStore>> pg = PgStore::Open(o);
    if (!pg.ok()) return pg.status();
    PgStore* raw = pg->get();
    out.failure = [raw] { return raw->failure(); };
    out.store = std::move(*pg);
    return out;
  }
  SqliteStoreOptions o;
  o.path = db;
  o.quota = quota;
  Result<std::unique_ptr<SqliteStore>> lite = SqliteStore::Open(o);
  if (!lite.ok()) return lite.status();
  SqliteStore* raw = lite->get();
  out.failure = [raw] { return raw->failure(); };
  out.store = std::move(*lite);
  return out;
}

// What the startup line shows of --db: a URI's password is not printed.
std::string DisplayDb(const std::string& db) {
  size_t scheme = db.find("://");
  size_t at = db.find('@');
  if (scheme == std::string::npos || at == std::string::npos) return db;
  size_t colon = db.find(':', scheme + 3);
  if (colon == std::string::npos || colon > at) return db;
  return db.substr(0, colon) + ":***" + db.substr(at);
}

std::chrono::milliseconds ToMs(std::chrono::seconds s) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(s);
}

// The command line as given, before validation.
struct RelayFlags {
  std::string listen = "127.0.0.1:9050";
  std::string db = "relay.db";
  unsigned threads = std::max(1u, std::thread::hardware_concurrency());
  std::string max_message = "64K";
  std::string retention = "30d";
  std::string accounts = "required";
  uint64_t queue_max_messages = 10000;
  std::string queue_max_bytes = "64M";
  double rate_limit = 50;
  double burst = 0;
  std::string read_timeout = "10s", idle_timeout = "60s", shutdown_grace = "10s";
  size_t max_connections = 10000;
  size_t max_connections_per_address = 128;
  std::string max_response = "1M", max_unsent = "64M";
  std::string metrics_listen, tls_cert, tls_key;
  bool json = false;
};

void DeclareOptions(CLI::App& app, RelayFlags& f) {
  app.add_option("--listen", f.listen,
                 "HOST:PORT (IP literal, port 0 = ephemeral) or unix:/path/to/socket")
      ->capture_default_str();
  app.add_option("--db", f.db,
                 "SQLite database file (created mode 0600), or a PostgreSQL URI "
                 "postgresql://user@host/dbname shared by several relays")
      ->capture_default_str();
  app.add_option("--accounts", f.accounts,
                 "required: reads and acks need the queue owner's token (POST /register); "
                 "off: the 2015 anonymous API")
      ->capture_default_str()
      ->check(CLI::IsMember({"required", "off"}));
  app.add_option("--queue-max-messages", f.queue_max_messages,
                 "messages one recipient's queue may hold (0 = no cap); more -> 507")
      ->capture_default_str();
  app.add_option("--queue-max-bytes", f.queue_max_bytes,
                 "bytes one recipient's queue may hold, e.g. 64M (0 = no cap); more -> 507")
      ->capture_default_str();
  app.add_option("--threads", f.threads, "I/O threads")
      ->capture_default_str()
      ->check(CLI::Range(1u, 256u));
  app.add_option("--max-message", f.max_message, "largest message (decoded contents), e.g. 64K")
      ->capture_default_str();
  app.add_option("--retention", f.retention,
                 "delete undelivered messages older than this (e.g. 30d, 12h), or off")
      ->capture_default_str();
  app.add_option("--rate-limit", f.rate_limit, "requests per second per client address, 0 = off")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  app.add_option("--burst", f.burst, "requests an address may make at once (default 2x rate)")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--read-timeout", f.read_timeout, "time allowed to send one request")
      ->capture_default_str();
  app.add_option("--idle-timeout", f.idle_timeout, "keep-alive connections idle longer are closed")
      ->capture_default_str();
  app.add_option("--max-connections", f.max_connections, "open connections at most")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--max-connections-per-address", f.max_connections_per_address,
                 "open connections from one client IP address at most, 0 = no cap")
      ->capture_default_str();
  app.add_option("--max-response", f.max_response,
                 "message contents per /getmessages answer (clients page through the rest)")
      ->capture_default_str();
  app.add_option("--max-unsent", f.max_unsent,
                 "answers held for clients that have not taken them yet, all connections "
                 "together; past it, 503 with Retry-After")
      ->capture_default_str();
  app.add_option(
      "--metrics-listen", f.metrics_listen,
      "HOST:PORT or unix:/path serving GET /metrics (off unless given; keep it private)");
  app.add_option("--tls-cert", f.tls_cert, "serve HTTPS with this PEM certificate chain")
      ->check(CLI::ExistingFile);
  app.add_option("--tls-key", f.tls_key, "the PEM private key of --tls-cert")
      ->check(CLI::ExistingFile);
  app.add_option("--shutdown-grace", f.shutdown_grace,
                 "on SIGTERM, how long in-flight requests may take to finish")
      ->capture_default_str();
  app.add_flag("--json", f.json, "print the startup line as JSON: {\"listen\":...,\"db\":...}");
}

// The flags' values once parsed and checked.
struct RelaySettings {
  uint64_t max_message_bytes = 0;
  uint64_t queue_max_bytes = 0;
  std::chrono::seconds retention{0};
  std::chrono::seconds read_timeout{0}, idle_timeout{0}, shutdown_grace{0};
  uint64_t max_response_bytes = 0;
  uint64_t max_unsent_bytes = 0;
  std::string tls_pin;  // empty without --tls-cert
};

// Checks the flags in the order they are reported; on a bad one, returns the line that
// names it and the fix.
std::optional<std::string> Validate(const RelayFlags& f, RelaySettings& out) {
  if (Result<http::ListenAddress> a = http::ParseListenAddress(f.listen); !a.ok()) {
    return "--listen: " + a.status().message();
  }
  Result<uint64_t> max_bytes = ParseByteSize(f.max_message);
  if (!max_bytes.ok()) return "--max-message: " + max_bytes.status().message();
  if (*max_bytes > (16u << 20)) return "--max-message: at most 16M";
  Result<uint64_t> queue_bytes =
      f.queue_max_bytes == "0" ? Result<uint64_t>(uint64_t{0}) : ParseByteSize(f.queue_max_bytes);
  if (!queue_bytes.ok()) return "--queue-max-bytes: " + queue_bytes.status().message();
  Result<std::chrono::seconds> keep = ParseDuration(f.retention);
  if (!keep.ok()) return "--retention: " + keep.status().message();
  Result<std::chrono::seconds> read_to = ParseDuration(f.read_timeout);
  Result<std::chrono::seconds> idle_to = ParseDuration(f.idle_timeout);
  Result<std::chrono::seconds> grace = ParseDuration(f.shutdown_grace);
  if (!read_to.ok() || read_to->count() == 0) {
    return "--read-timeout: give a duration such as 10s";
  }
  if (!idle_to.ok() || idle_to->count() == 0) {
    return "--idle-timeout: give a duration such as 60s";
  }
  if (!grace.ok()) return "--shutdown-grace: give a duration such as 10s";
  Result<uint64_t> response_bytes = ParseByteSize(f.max_response);
  if (!response_bytes.ok() || *response_bytes == 0) {
    return "--max-response: give a size such as 1M";
  }
  ByteSizeOptions zero_ok;
  zero_ok.allow_zero = true;
  Result<uint64_t> unsent_bytes = ParseByteSize(f.max_unsent, zero_ok);
  if (!unsent_bytes.ok()) return "--max-unsent: give a size such as 64M (0 = no cap)";
  if (f.tls_cert.empty() != f.tls_key.empty()) {
    return "--tls-cert and --tls-key go together: give both, or neither for plain HTTP";
  }
  if (!f.tls_cert.empty()) {
    Result<std::string> pin = http::PinOfCertificateFile(f.tls_cert);
    if (!pin.ok()) return "--tls-cert: " + pin.status().message();
    out.tls_pin = *pin;
  }
  if (!f.metrics_listen.empty()) {
    if (Result<http::ListenAddress> a = http::ParseListenAddress(f.metrics_listen); !a.ok()) {
      return "--metrics-listen: " + a.status().message();
    }
  }
  out.max_message_bytes = *max_bytes;
  out.queue_max_bytes = *queue_bytes;
  out.retention = *keep;
  out.read_timeout = *read_to;
  out.idle_timeout = *idle_to;
  out.shutdown_grace = *grace;
  out.max_response_bytes = *response_bytes;
  out.max_unsent_bytes = *unsent_bytes;
  return std::nullopt;
}

// Everything the running relay holds. Members are declared in start-up order, so they are
// destroyed in the reverse: the sweeper and servers before the service and the store they use.
struct RunningRelay {
  std::unique_ptr<MessageStore> store;
  std::function<Status()> store_failure;
  std::shared_ptr<RelayService> service;
  std::unique_ptr<http::Server> server;
  std::unique_ptr<http::Server> metrics_server;
  std::unique_ptr<RetentionSweeper> sweeper;
};

// Opens the store, then starts the server, the metrics server and the retention sweeper.
// Returns kExitOk, or kExitStart after logging why (and closing what was opened).
int StartRelay(const RelayFlags& f, const RelaySettings& settings, RunningRelay& relay) {
  QueueQuota quota;
  quota.max_messages = f.queue_max_messages;
  quota.max_bytes = settings.queue_max_bytes;
  Result<OpenedStore> opened = OpenStore(f.db, quota);
  if (!opened.ok()) {
    Log(opened.status().ToString());
    if (opened.status().code() == Status::Code::kBusy) {
      Log("another otc-relay is using " + f.db + "; stop it or pass a different --db");
    }
    return kExitStart;
  }
  relay.store = std::move(opened->store);
  relay.store_failure = opened->failure;

  RelayOptions options;
  options.max_message_bytes = settings.max_message_bytes;
  options.max_response_bytes = settings.max_response_bytes;
  options.rate_limit = f.rate_limit;
  options.burst = f.burst;
  options.log = Log;
  options.accounts_required = f.accounts == "required";
  relay.service = RelayService::Create(relay.store.get(), options);
  std::shared_ptr<RelayService> service = relay.service;
  service->metrics().SetRetention(settings.retention);

  http::ServerOptions server_options;
  server_options.listen = f.listen;
  server_options.threads = static_cast<int>(f.threads);
  server_options.max_body_bytes = BodyLimitFor(settings.max_message_bytes);
  server_options.read_timeout = ToMs(settings.read_timeout);
  server_options.idle_timeout = ToMs(settings.idle_timeout);
  server_options.max_connections = f.max_connections;
  server_options.max_connections_per_address = f.max_connections_per_address;
  server_options.max_unsent_response_bytes = settings.max_unsent_bytes;
  server_options.tls_cert_file = f.tls_cert;
  server_options.tls_key_file = f.tls_key;
  Result<std::unique_ptr<http::Server>> server = http::Server::Start(server_options, service);
  if (!server.ok()) {
    Log(server.status().ToString());
    Log("pass a free address with --listen (e.g. 127.0.0.1:9050 or unix:/run/otc/relay.sock)");
    (void)relay.store->Close();
    return kExitStart;
  }
  relay.server = std::move(*server);
  http::Server* srv = relay.server.get();
  service->SetServerStats([srv] { return srv->stats(); });

  if (!f.metrics_listen.empty()) {
    http::ServerOptions metrics_options;
    metrics_options.listen = f.metrics_listen;
    metrics_options.max_connections = 64;
    Result<std::unique_ptr<http::Server>> started =
        http::Server::Start(metrics_options, std::make_shared<MetricsEndpoint>(service));
    if (!started.ok()) {
      Log("--metrics-listen: " + started.status().ToString());
      relay.server->Shutdown(std::chrono::milliseconds(0));
      relay.server.reset();
      (void)relay.store->Close();
      return kExitStart;
    }
    relay.metrics_server = std::move(*started);
  }

  if (settings.retention.count() > 0) {
    relay.sweeper = std::make_unique<RetentionSweeper>(
        relay.store.get(), settings.retention, nullptr,
        [service](uint64_t n) { service->metrics().CountDeleted(/*by_ack=*/false, n); });
    relay.sweeper->Start(RetentionSweeper::DefaultInterval(settings.retention));
  }
  return kExitOk;
}

// The one line that says where the relay listens (scripts read it, with --json as JSON).
void PrintStartupLine(const RelayFlags& f, const RelaySettings& settings,
                      const RunningRelay& relay) {
  const std::string& tls_pin = settings.tls_pin;
  std::string bound = relay.server->address().ToString();
  std::string metrics_bound =
      relay.metrics_server ? relay.metrics_server->address().ToString() : "";
  if (f.json) {
    nlohmann::json line{{"listen", bound}, {"db", DisplayDb(f.db)}};
    if (relay.metrics_server) line["metrics_listen"] = metrics_bound;
    if (!tls_pin.empty()) line["tls_pin"] = tls_pin;
    std::cout << line.dump() << std::endl;
  } else {
    std::cout << "otc-relay listening on " << (tls_pin.empty() ? "http://" : "https://") << bound
              << " (database " << DisplayDb(f.db) << ")";
    if (relay.metrics_server) std::cout << ", metrics on " << metrics_bound;
    if (!tls_pin.empty()) std::cout << ", certificate pin " << tls_pin;
    std::cout << std::endl;
  }
}

// Waits for SIGTERM/SIGINT (kExitOk) or a failed store (kExitFailed), then stops the
// relay: the sweeper, the metrics server, the server within --shutdown-grace, the store.
int ServeUntilStopped(const sigset_t& signals, const RelaySettings& settings, RunningRelay& relay) {
  int exit_code = kExitOk;
  while (true) {
    timespec tick{0, 200'000'000};
    int sig = sigtimedwait(&signals, nullptr, &tick);
    if (sig == SIGTERM || sig == SIGINT) {
      Log(std::string("received ") + (sig == SIGTERM ? "SIGTERM" : "SIGINT") +
          "; finishing in-flight requests");
      break;
    }
    if (relay.store->failed()) {
      Log("storage failed: " + relay.store_failure().ToString() +
          "; stopping (restart to recover)");
      exit_code = kExitFailed;
      break;
    }
  }
  if (relay.sweeper) relay.sweeper->Stop();
  if (relay.metrics_server) relay.metrics_server->Shutdown(std::chrono::milliseconds(0));
  bool clean = relay.server->Shutdown(ToMs(settings.shutdown_grace));
  if (!clean) Log("some requests did not finish within --shutdown-grace and were dropped");
  relay.server.reset();
  Status closed = relay.store->Close();
  if (!closed.ok()) {
    Log("closing the database: " + closed.ToString());
    exit_code = kExitFailed;
  }
  Log("stopped");
  return exit_code;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "otc-relay: the One Time Chat relay. Stores opaque messages until their recipient "
      "fetches them; it never sees pad or plaintext."};
  cli::ConfigureApp(app, "otc-relay",
                    cli::ExitCodeTable({{kExitOk, "clean shutdown (SIGTERM or SIGINT)"},
                                        {kExitFailed,
                                         "the storage failed while running "
                                         "(restart to recover)"},
                                        {kExitUsage},
                                        {kExitStart}}));
  RelayFlags flags;
  DeclareOptions(app, flags);
  if (std::optional<int> done = cli::ParseCommandLine(app, argc, argv)) return *done;

  RelaySettings settings;
  if (std::optional<std::string> bad = Validate(flags, settings)) {
    Log(*bad);
    return kExitUsage;
  }

  // Signals are taken synchronously by this thread; block them before any thread starts
  // so none of the server's threads receives them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  signal(SIGPIPE, SIG_IGN);
  RaiseFileLimit();

  RunningRelay relay;
  if (int started = StartRelay(flags, settings, relay); started != kExitOk) return started;
  PrintStartupLine(flags, settings, relay);
  return ServeUntilStopped(signals, settings, relay);
}
