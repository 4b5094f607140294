// An asynchronous HTTP/1.1 server: the one HTTP stack of otc (relay, device daemon).
//
// Built on Boost.Asio/Beast. N io threads serve every connection; no thread is tied to a
// connection, so thousands of held requests (long-polls, a device waiting for the user to
// confirm) cost memory, not threads. Listens on TCP ("127.0.0.1:9050", port 0 = an
// ephemeral port, see Server::address()) or on a Unix domain socket ("unix:/path",
// created mode 0600 and removed on shutdown).
//
// Per connection: keep-alive, pipelined requests answered in order, TCP_NODELAY, and
// these limits, each answered with a JSON error (see json_util.h) and then a close:
//   headers over max_header_bytes                -> 431 {"error":"headers_too_large"}
//   body over max_body_bytes                     -> 413 {"error":"too_large"}
//   a request not complete within read_timeout   -> 408 {"error":"timeout"}
//     (from its first byte: a slow client cannot hold a connection by trickling bytes)
//   bytes that are not HTTP/1.x                  -> 400 {"error":"bad_request"}
//   more than max_connections open               -> 503 {"error":"overloaded"}
//   more than max_connections_per_address open from one client address (TCP only)
//                                                -> 503 {"error":"too_many_connections"}
//   a response that would take the bytes held for responses not yet taken by their
//   clients (all connections together) past max_unsent_response_bytes
//                                                -> 503 {"error":"overloaded"}, Retry-After
//     (responses under kAlwaysSentBytes are always sent, so errors still get out; the
//     cap is what bounds the memory slow readers can pin)
// A connection idle between requests for idle_timeout (or that sends nothing within
// read_timeout after connecting) is closed silently; a response not taken by the client
// within write_timeout is dropped with the connection.
//
// TLS: with tls_cert_file and tls_key_file set (TCP only), every connection starts with a
// TLS handshake (Boost.Asio's ssl::stream over OpenSSL, TLS 1.2 or later; see tls.h),
// bounded by read_timeout.
//
// Handlers answer asynchronously: Handle() gets an Exchange and may call Respond() later,
// from any thread, exactly once (later calls are ignored). An Exchange dropped without a
// response is answered 500 {"error":"internal"}.
//
// Shutdown(grace): stop accepting, tell the handler (Handler::OnShutdown, so it can answer
// what it holds), close idle connections, let in-flight requests finish (their responses
// carry Connection: close), and after `grace` close whatever is left; then stop the
// threads. The handler must not hold an Exchange past the Server's destruction.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include <boost/asio/any_io_executor.hpp>

#include "common/http/listen_address.h"
#include "common/http/types.h"
#include "common/status.h"

namespace otc::http {

struct ServerOptions {
  std::string listen = "127.0.0.1:0";
  int threads = 1;
  uint32_t max_header_bytes = 16 * 1024;
  uint64_t max_body_bytes = 1024 * 1024;
  std::chrono::milliseconds read_timeout{10'000};
  std::chrono::milliseconds idle_timeout{60'000};
  std::chrono::milliseconds write_timeout{10'000};
  size_t max_connections = 10'000;
  size_t max_connections_per_address = 0;  // 0 = no per-address cap
  uint64_t max_unsent_response_bytes = 0;  // 0 = no cap
  std::string tls_cert_file;               // PEM certificate chain; both or neither
  std::string tls_key_file;                // PEM private key
  int backlog = 4096;
};

// What the server knows about a request besides its bytes.
struct RequestInfo {
  std::string remote_address;  // "127.0.0.1", "::1", ... or "unix" for a Unix socket
  uint64_t connection_id = 0;  // unique per connection for this Server
};

// One request and the right to answer it.
class Exchange {
 public:
  virtual ~Exchange() = default;
  virtual const Request& request() const = 0;
  virtual const RequestInfo& info() const = 0;
  // Sends `response` (status, headers, body; Content-Length, keep-alive and the HTTP version
  // are set by the server). Callable from any thread. Returns false if a response was
  // already given (this one is dropped).
  virtual bool Respond(Response response) = 0;
  // The connection's strand: work posted here is serialized with this connection's I/O.
  // Handlers use it for timers (e.g. a long-poll deadline).
  virtual boost::asio::any_io_executor executor() const = 0;
  // For a request held a long time (a long-poll): calls `on_gone` on the connection's
  // strand if the client closes the connection before the response is given; the
  // connection is then closed and a later Respond() goes nowhere. Call at most once.
  // Detection stops if the client pipelines more than max_header_bytes meanwhile.
  virtual void OnClientGone(std::function<void()> on_gone) = 0;
  // False if a response of about `bytes` would now be refused for max_unsent_response_bytes
  // (see above), so a handler can refuse before building a large one. Advisory: the check
  // that counts is made when the response is written.
  virtual bool CanHoldResponse(uint64_t bytes) const = 0;
};

class Handler {
 public:
  virtual ~Handler() = default;
  // Called on an io thread for each complete request. Must not block for long: hand slow
  // work elsewhere and Respond() when done. An exception escaping here is answered 500.
  virtual void Handle(std::shared_ptr<Exchange> exchange) = 0;
  // Shutdown has begun: answer any request being held, and answer new ones promptly.
  virtual void OnShutdown() {}
  // A request was refused by the server itself (limits, timeouts, garbage) with the
  // JSON error `category`; for metrics.
  virtual void OnRejected(std::string_view category) { (void)category; }
};

struct ServerStats {
  uint64_t connections_open = 0;
  uint64_t connections_total = 0;
  uint64_t requests_total = 0;         // requests handed to the Handler
  uint64_t rejected_total = 0;         // refused by the server (see Handler::OnRejected)
  uint64_t unsent_response_bytes = 0;  // held now for responses being written
};

// Responses smaller than this are sent even past max_unsent_response_bytes.
inline constexpr uint64_t kAlwaysSentBytes = 16 * 1024;

class Server {
 public:
  // Binds and starts serving. Errors: InvalidArgument (bad options or address),
  // AlreadyExists / Busy (address in use), Denied, IOError.
  static Result<std::unique_ptr<Server>> Start(ServerOptions options,
                                               std::shared_ptr<Handler> handler);
  ~Server();  // Shutdown(0) if not done yet.

  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // The bound address: for TCP with the actual port (port 0 resolved).
  const ListenAddress& address() const { return address_; }
  uint16_t port() const { return address_.port; }
  ServerStats stats() const;

  // See the header comment. Returns true if every connection finished within `grace`.
  // Idempotent. Call from any thread except one of the server's io threads.
  bool Shutdown(std::chrono::milliseconds grace);

  struct Core;  // internal

 private:
  Server() = default;
  std::shared_ptr<Core> core_;
  std::shared_ptr<void> listener_;
  ListenAddress address_;
  std::atomic<bool> stopped_{false};
  bool clean_shutdown_ = true;
};

}  // namespace otc::http
