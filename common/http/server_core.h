// Internal to common/http: the state a Server shares with its listener and connections.
// Not part of the API; include server.h instead.
#pragma once

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/generic/stream_protocol.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>

#include "common/http/server.h"
#include "common/http/stream.h"

namespace otc::http {

class Session;

namespace net = boost::asio;

struct Server::Core {
  ServerOptions options;
  std::shared_ptr<Handler> handler;
  bool is_tcp = true;
  std::unique_ptr<net::ssl::context> tls;  // set: every connection is TLS

  std::atomic<uint64_t> next_connection_id{1};
  std::atomic<uint64_t> connections_total{0};
  std::atomic<uint64_t> requests_total{0};
  std::atomic<uint64_t> rejected_total{0};

  std::mutex mu;
  std::condition_variable sessions_changed;
  bool shutting_down = false;  // guarded by mu; mirrored in stopping for lock-free reads
  std::atomic<bool> stopping{false};
  std::unordered_map<uint64_t, std::weak_ptr<Session>> sessions;
  std::unordered_map<std::string, size_t> per_address;  // open connections by remote address

  // Bytes of responses being written now (see max_unsent_response_bytes).
  std::atomic<uint64_t> unsent_bytes{0};

  enum class Admission { kServe, kOverloaded, kTooManyFromAddress, kShuttingDown };
  // Adds a connection (counted even if it is then refused: it stays open until answered).
  Admission Register(uint64_t id, const std::shared_ptr<Session>& session,
                     const std::string& remote);
  void Unregister(uint64_t id, const std::string& remote);
  // Reserves `bytes` for a response about to be written; false if over the cap.
  bool ChargeUnsent(uint64_t bytes);
  void ReleaseUnsent(uint64_t bytes) { unsent_bytes.fetch_sub(bytes); }
  bool CanHoldUnsent(uint64_t bytes) const {
    uint64_t cap = options.max_unsent_response_bytes;
    return cap == 0 || bytes < kAlwaysSentBytes || unsent_bytes.load() + bytes <= cap;
  }
  size_t OpenSessions();
  void Rejected(std::string_view category);

  std::vector<std::thread> threads;
  // Declared last so it is destroyed first: pending handlers (which own Sessions) are
  // destroyed while the members above are still alive.
  net::io_context ioc;
  std::unique_ptr<net::executor_work_guard<net::io_context::executor_type>> work;
};

}  // namespace otc::http
