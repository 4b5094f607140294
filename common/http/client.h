// A small synchronous HTTP/1.1 client over TCP or a Unix socket (tests, the chat client),
// optionally with TLS over TCP (ClientOptions::tls; how the server is verified: tls.h).
//
// One Client is one keep-alive connection, used by one thread at a time. Every call has a
// deadline (ClientOptions::timeout): when it passes, the connection is closed and the call
// returns Unavailable. Before reusing a kept-alive connection the client checks that the
// server has not closed it; a GET or HEAD that still fails on a connection opened before the
// call (by Connect or an earlier request: the server may close it while idle) before any
// response byte arrived is retried once on a fresh connection (other methods are not
// retried: the server may have acted on them).
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "common/http/listen_address.h"
#include "common/http/tls.h"
#include "common/http/types.h"
#include "common/status.h"

namespace otc::http {

struct ClientOptions {
  std::chrono::milliseconds timeout{30'000};
  uint64_t max_body_bytes = 64ull << 20;
  ClientTls tls;  // tls.enabled: HTTPS; a failed verification is Denied, not Unavailable
};

class Client {
 public:
  // Connects to "127.0.0.1:9050", "[::1]:9050" or "unix:/path" (and with options.tls,
  // completes the TLS handshake). Unavailable if nobody listens there; Denied if the
  // server's certificate is not trusted; InvalidArgument for a bad address or TLS setting.
  static Result<std::unique_ptr<Client>> Connect(std::string_view address,
                                                 ClientOptions options = {});
  ~Client();

  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // Sends `request` (Host, User-Agent and Content-Length are filled in) and reads the
  // response. Non-2xx responses are returned, not errors; errors are transport failures.
  // The request body is wiped after sending, and the read buffer once the response is
  // parsed (bodies may carry plaintext); the caller wipes the response body it gets.
  Result<Response> Send(Request request);
  // Like Send with a per-call deadline (e.g. longer than a long-poll's wait).
  Result<Response> Send(Request request, std::chrono::milliseconds timeout);

  Result<Response> Get(std::string_view target);
  Result<Response> Post(std::string_view target, std::string body, std::string_view content_type);
  Result<Response> PostJson(std::string_view target, const nlohmann::json& body);

  const ListenAddress& address() const;
  // Drops the connection; the next call reconnects.
  void Disconnect();

 private:
  struct Impl;
  explicit Client(std::unique_ptr<Impl> impl);
  Result<Response> SendOnce(Request& request, std::chrono::milliseconds timeout);
  std::unique_ptr<Impl> impl_;
};

}  // namespace otc::http
