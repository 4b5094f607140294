#include "common/http/client.h"

#include "common/http/read_buffer.h"
#include "common/secret_buffer.h"

#include <poll.h>

#include <optional>

#include <boost/asio/connect.hpp>
#include <boost/asio/generic/stream_protocol.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>

namespace otc::http {

namespace net = boost::asio;
namespace bhttp = boost::beast::http;
using boost::system::error_code;
using Clock = std::chrono::steady_clock;

struct Client::Impl {
  ListenAddress address;
  ClientOptions options;
  net::io_context ioc;
  std::unique_ptr<net::ssl::context> tls;  // options.tls.enabled
  std::optional<Stream> stream;
  ReadBuffer buffer;
  Status tls_failure;  // why the last handshake failed verification

  // Runs the io_context until `done` or the deadline; on timeout closes the socket (which
  // completes the pending operation with operation_aborted) and reports timed_out.
  error_code RunUntil(bool& done, error_code& result, Clock::time_point deadline) {
    ioc.restart();
    while (!done) {
      if (ioc.run_one_until(deadline) == 0) break;
    }
    if (done) return result;
    Close();
    ioc.restart();
    ioc.run();
    return net::error::timed_out;
  }

  void Close() {
    if (stream) {
      error_code ignored;
      stream->socket().close(ignored);
      stream.reset();
    }
    buffer.clear();
    WipeConsumed(buffer);
  }

  // True if the open connection is still usable: nothing readable yet (a readable idle
  // connection means the server closed it or sent something unasked).
  bool StillOpen() {
    if (!stream) return false;
    pollfd p{stream->socket().native_handle(), POLLIN, 0};
    return ::poll(&p, 1, 0) == 0;
  }

  error_code Connect(Clock::time_point deadline) {
    Close();
    tls_failure = Status::Ok();
    Socket raw(ioc.get_executor());
    if (tls) {
      stream.emplace(std::move(raw), *tls);
    } else {
      stream.emplace(std::move(raw));
    }
    Socket* socket = &stream->socket();
    bool done = false;
    error_code result;
    auto on_connect = [&](error_code ec) {
      done = true;
      result = ec;
    };
    if (address.kind == ListenAddress::Kind::kTcp) {
      net::ip::tcp::endpoint endpoint(net::ip::make_address(address.host), address.port);
      net::generic::stream_protocol::endpoint generic(endpoint);
      error_code open_ec;
      socket->open(generic.protocol(), open_ec);
      if (open_ec) return open_ec;
      socket->async_connect(generic, on_connect);
    } else {
      net::generic::stream_protocol::endpoint generic(
          net::local::stream_protocol::endpoint(address.path));
      error_code open_ec;
      socket->open(generic.protocol(), open_ec);
      if (open_ec) return open_ec;
      socket->async_connect(generic, on_connect);
    }
    error_code ec = RunUntil(done, result, deadline);
    if (ec) {
      Close();
      return ec;
    }
    if (address.kind == ListenAddress::Kind::kTcp) {
      error_code ignored;
      socket->set_option(net::ip::tcp::no_delay(true), ignored);
    }
    if (tls) return Handshake(deadline);
    return {};
  }

  error_code Handshake(Clock::time_point deadline) {
    tls_failure = PrepareClientStream(stream->tls(), address.host, options.tls);
    if (!tls_failure.ok()) {
      Close();
      return net::error::access_denied;
    }
    bool done = false;
    error_code result;
    stream->tls().async_handshake(net::ssl::stream_base::client, [&](error_code ec) {
      done = true;
      result = ec;
    });
    error_code ec = RunUntil(done, result, deadline);
    if (!ec) {
      tls_failure = CheckPeer(stream->tls(), options.tls);
      if (tls_failure.ok()) return {};
      Close();
      return net::error::access_denied;
    }
    if (ec.category() == net::error::get_ssl_category()) {
      long verify = SSL_get_verify_result(stream->tls().native_handle());
      tls_failure = Status::Denied(
          "TLS handshake failed: " +
          (verify != X509_V_OK
               ? std::string("certificate not trusted (") + X509_verify_cert_error_string(verify) +
                     "); set relay_pin if the relay uses its own certificate"
               : ec.message()));
    }
    Close();
    return ec;
  }

  // One attempt on the current connection. `got_bytes` says whether any of the response
  // arrived (if not, an idempotent request may be retried).
  error_code Exchange(Request& request, Response& response, bool& got_bytes,
                      Clock::time_point deadline) {
    bool done = false;
    error_code result;
    bhttp::async_write(*stream, request, [&](error_code ec, size_t) {
      done = true;
      result = ec;
    });
    if (error_code ec = RunUntil(done, result, deadline)) return ec;

    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(options.max_body_bytes);
    if (request.method() == Verb::head) parser.skip(true);
    size_t before = buffer.size();
    done = false;
    bhttp::async_read(*stream, buffer, parser, [&](error_code ec, size_t) {
      done = true;
      result = ec;
    });
    error_code ec = RunUntil(done, result, deadline);
    got_bytes = parser.got_some() || buffer.size() > before;
    if (ec) return ec;
    response = parser.release();
    WipeConsumed(buffer);
    return {};
  }
};

Client::Client(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Client::~Client() = default;

Result<std::unique_ptr<Client>> Client::Connect(std::string_view address, ClientOptions options) {
  Result<ListenAddress> parsed = ParseListenAddress(address);
  if (!parsed.ok()) return parsed.status();
  auto impl = std::make_unique<Impl>();
  impl->address = *parsed;
  impl->options = options;
  if (options.tls.enabled) {
    if (parsed->kind != ListenAddress::Kind::kTcp) {
      return Status::InvalidArgument("TLS needs a TCP address, not " + parsed->ToString());
    }
    Result<std::unique_ptr<net::ssl::context>> context = MakeClientTlsContext(options.tls);
    if (!context.ok()) return context.status();
    impl->tls = std::move(*context);
  }
  if (error_code ec = impl->Connect(Clock::now() + options.timeout)) {
    if (!impl->tls_failure.ok()) return impl->tls_failure;
    return Status::Unavailable("connecting to " + impl->address.ToString() + ": " + ec.message());
  }
  return std::unique_ptr<Client>(new Client(std::move(impl)));
}

const ListenAddress& Client::address() const { return impl_->address; }

void Client::Disconnect() { impl_->Close(); }

Result<Response> Client::Send(Request request) {
  return Send(std::move(request), impl_->options.timeout);
}

Result<Response> Client::Send(Request request, std::chrono::milliseconds timeout) {
  Result<Response> response = SendOnce(request, timeout);
  WipeString(request.body());  // it may carry plaintext (a device request)
  return response;
}

Result<Response> Client::SendOnce(Request& request, std::chrono::milliseconds timeout) {
  Impl& impl = *impl_;
  Clock::time_point deadline = Clock::now() + timeout;
  if (request[Field::host].empty()) {
    request.set(Field::host, impl.address.kind == ListenAddress::Kind::kTcp
                                 ? impl.address.ToString()
                                 : std::string("localhost"));
  }
  if (request[Field::user_agent].empty()) request.set(Field::user_agent, "otc");
  request.prepare_payload();
  bool idempotent = request.method() == Verb::get || request.method() == Verb::head;

  for (int attempt = 0; attempt < 2; ++attempt) {
    // A connection opened before this call (by Connect or by an earlier request) has been
    // idle, and the server may close an idle connection at any moment, even between our
    // StillOpen check and its reading of the request.
    bool opened_earlier = impl.StillOpen();
    if (!opened_earlier) {
      if (error_code ec = impl.Connect(deadline)) {
        if (!impl.tls_failure.ok()) return impl.tls_failure;
        return Status::Unavailable("connecting to " + impl.address.ToString() + ": " +
                                   ec.message());
      }
    }
    Response response;
    bool got_bytes = false;
    error_code ec = impl.Exchange(request, response, got_bytes, deadline);
    if (!ec) {
      if (!response.keep_alive()) impl.Close();
      return response;
    }
    impl.Close();
    bool retry = idempotent && opened_earlier && !got_bytes && ec != net::error::timed_out;
    if (!retry) {
      return Status::Unavailable(impl.address.ToString() + " " +
                                 std::string(request.method_string()) + " " +
                                 std::string(request.target()) + ": " + ec.message());
    }
  }
  return Status::Unavailable(impl.address.ToString() + ": connection lost");
}

Result<Response> Client::Get(std::string_view target) {
  Request request(Verb::get, ToBeast(target), 11);
  return Send(std::move(request));
}

Result<Response> Client::Post(std::string_view target, std::string body,
                              std::string_view content_type) {
  Request request(Verb::post, ToBeast(target), 11);
  request.set(Field::content_type, ToBeast(content_type));
  request.body() = std::move(body);
  return Send(std::move(request));
}

Result<Response> Client::PostJson(std::string_view target, const nlohmann::json& body) {
  return Post(target, body.dump(), "application/json");
}

}  // namespace otc::http
