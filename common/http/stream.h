// Stream: one connection's byte stream, plain (TCP or Unix socket) or TLS over TCP.
//
// The server's sessions and the client read and write through this one type, so the HTTP
// code (Beast's async_read/async_write) is the same with and without TLS; which one a
// connection uses is decided when it is made. Plain and TLS reads and writes complete with
// the same error codes, except that a TLS peer that closes without close_notify reports
// net::ssl::error::stream_truncated where a plain one reports end-of-stream.
#pragma once

#include <optional>
#include <utility>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/generic/stream_protocol.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>

namespace otc::http {

using Socket = boost::asio::basic_stream_socket<boost::asio::generic::stream_protocol,
                                                boost::asio::any_io_executor>;

class Stream {
 public:
  using executor_type = boost::asio::any_io_executor;
  using TlsStream = boost::asio::ssl::stream<Socket>;

  explicit Stream(Socket socket) : plain_(std::move(socket)) {}
  Stream(Socket socket, boost::asio::ssl::context& tls)
      : tls_(std::in_place, std::move(socket), tls) {}

  bool is_tls() const { return tls_.has_value(); }
  Socket& socket() { return tls_ ? tls_->next_layer() : *plain_; }
  TlsStream& tls() { return *tls_; }  // only if is_tls()
  executor_type get_executor() { return socket().get_executor(); }

  template <class MutableBuffers, class Handler>
  void async_read_some(const MutableBuffers& buffers, Handler&& handler) {
    if (tls_) {
      tls_->async_read_some(buffers, std::forward<Handler>(handler));
    } else {
      plain_->async_read_some(buffers, std::forward<Handler>(handler));
    }
  }

  template <class ConstBuffers, class Handler>
  void async_write_some(const ConstBuffers& buffers, Handler&& handler) {
    if (tls_) {
      tls_->async_write_some(buffers, std::forward<Handler>(handler));
    } else {
      plain_->async_write_some(buffers, std::forward<Handler>(handler));
    }
  }

 private:
  std::optional<Socket> plain_;
  std::optional<TlsStream> tls_;
};

}  // namespace otc::http
