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

#include "common/http/server.h"

namespace otc::http {

class Session;

namespace net = boost::asio;
using Socket = net::basic_stream_socket<net::generic::stream_protocol, net::any_io_executor>;

struct Server::Core {
  ServerOptions options;
  std::shared_ptr<Handler> handler;
  bool is_tcp = true;

  std::atomic<uint64_t> next_connection_id{1};
  std::atomic<uint64_t> connections_total{0};
  std::atomic<uint64_t> requests_total{0};
  std::atomic<uint64_t> rejected_total{0};

  std::mutex mu;
  std::condition_variable sessions_changed;
  bool shutting_down = false;  // guarded by mu; mirrored in stopping for lock-free reads
  std::atomic<bool> stopping{false};
  std::unordered_map<uint64_t, std::weak_ptr<Session>> sessions;

  // Adds a connection; false once shutdown has begun (the caller closes it).
  bool Register(uint64_t id, const std::shared_ptr<Session>& session);
  void Unregister(uint64_t id);
  size_t OpenSessions();
  void Rejected(std::string_view category);

  std::vector<std::thread> threads;
  // Declared last so it is destroyed first: pending handlers (which own Sessions) are
  // destroyed while the members above are still alive.
  net::io_context ioc;
  std::unique_ptr<net::executor_work_guard<net::io_context::executor_type>> work;
};

}  // namespace otc::http
