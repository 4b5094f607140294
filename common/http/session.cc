#include "common/http/session.h"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>

#include "common/http/json_util.h"
#include "common/secret_buffer.h"

namespace otc::http {

namespace bhttp = boost::beast::http;
using boost::system::error_code;

namespace {

constexpr std::chrono::milliseconds kLinger{1000};
constexpr size_t kMaxDrainBytes = 1 << 20;
constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
constexpr size_t kReadChunk = 4096;

Stream MakeStream(Server::Core* core, Socket socket) {
  if (core->tls) return Stream(std::move(socket), *core->tls);
  return Stream(std::move(socket));
}

class ExchangeImpl final : public Exchange {
 public:
  ExchangeImpl(std::shared_ptr<Session> session, Request request, RequestInfo info,
               uint64_t request_number)
      : session_(std::move(session)),
        request_(std::move(request)),
        info_(std::move(info)),
        request_number_(request_number) {}

  ~ExchangeImpl() override {
    if (!responded_.load())
      Respond(
          JsonError(HttpStatus::internal_server_error, "internal", "the request was not answered"));
    WipeString(request_.body());  // it may carry plaintext (a device's /v1/package)
  }

  const Request& request() const override { return request_; }
  const RequestInfo& info() const override { return info_; }

  bool Respond(Response response) override {
    if (responded_.exchange(true)) return false;
    net::post(session_->executor(), [session = session_, r = std::move(response)]() mutable {
      session->OnResponse(std::move(r));
    });
    return true;
  }

  net::any_io_executor executor() const override { return session_->executor(); }

  bool CanHoldResponse(uint64_t bytes) const override { return session_->CanHoldResponse(bytes); }

  void OnClientGone(std::function<void()> on_gone) override {
    net::dispatch(session_->executor(),
                  [session = session_, n = request_number_, f = std::move(on_gone)]() mutable {
                    session->WatchForDisconnect(n, std::move(f));
                  });
  }

 private:
  std::shared_ptr<Session> session_;
  Request request_;
  RequestInfo info_;
  const uint64_t request_number_;
  std::atomic<bool> responded_{false};
};

}  // namespace

Session::Session(Server::Core* core, Socket socket, uint64_t id, std::string remote_address)
    : core_(core),
      stream_(MakeStream(core, std::move(socket))),
      timer_(stream_.get_executor()),
      id_(id),
      remote_address_(std::move(remote_address)) {}

Session::~Session() {
  if (charged_ != 0) core_->ReleaseUnsent(charged_);
  core_->Unregister(id_, remote_address_);
}

void Session::Start() {
  if (core_->is_tcp) {
    error_code ignored;
    stream_.socket().set_option(net::ip::tcp::no_delay(true), ignored);
  }
  if (!stream_.is_tls()) {
    WaitForRequest();
    return;
  }
  phase_ = Phase::kHandshake;
  ArmTimer(core_->options.read_timeout);
  stream_.tls().async_handshake(
      net::ssl::stream_base::server,
      [self = shared_from_this()](error_code ec) { self->OnHandshake(ec); });
}

void Session::OnHandshake(error_code ec) {
  CancelTimer();
  if (ec || phase_ != Phase::kHandshake) {
    Close();  // not TLS, a bad handshake, or too slow: there is nobody to answer in HTTP
    return;
  }
  WaitForRequest();
}

void Session::StartRejecting(std::string_view category, std::string_view message) {
  core_->Rejected(category);
  if (stream_.is_tls()) {
    Close();  // refusing before the handshake: no TLS channel to answer on
    return;
  }
  Reject(HttpStatus::service_unavailable, category, message);
}

void Session::NotifyShutdown() {
  net::post(stream_.get_executor(), [self = shared_from_this()] {
    self->shutting_down_ = true;
    // An idle connection has nothing in flight: end it now.
    if (self->phase_ == Phase::kIdle) {
      error_code ignored;
      self->stream_.socket().cancel(ignored);
    }
  });
}

void Session::NotifyForceClose() {
  net::post(stream_.get_executor(), [self = shared_from_this()] { self->Close(); });
}

void Session::WaitForRequest() {
  if ((shutting_down_ || core_->stopping.load()) && buffer_.size() == 0) {
    Close();
    return;
  }
  parser_.emplace();
  parser_->header_limit(core_->options.max_header_bytes);
  parser_->body_limit(core_->options.max_body_bytes);
  if (buffer_.size() > 0) {  // a pipelined request is already here
    ReadHeader();
    return;
  }
  phase_ = Phase::kIdle;
  ArmTimer(requests_ == 0 ? core_->options.read_timeout : core_->options.idle_timeout);
  if (stream_.is_tls()) {
    // TLS may already hold decrypted bytes the socket no longer shows as readable, so
    // wait by reading (TLS keeps per-connection buffers anyway).
    stream_.async_read_some(buffer_.prepare(kReadChunk),
                            [self = shared_from_this()](error_code ec, size_t n) {
                              if (ec || self->phase_ != Phase::kIdle) {
                                self->Close();
                                return;
                              }
                              self->buffer_.commit(n);
                              self->ReadHeader();
                            });
    return;
  }
  // A plain idle connection holds no buffer while it waits.
  stream_.socket().async_wait(net::socket_base::wait_read,
                              [self = shared_from_this()](error_code ec) {
                                if (ec || self->phase_ != Phase::kIdle) {
                                  self->Close();
                                  return;
                                }
                                self->ReadHeader();
                              });
}

void Session::ReadHeader() {
  phase_ = Phase::kReading;
  timed_out_ = false;
  ArmTimer(core_->options.read_timeout);
  bhttp::async_read_header(
      stream_, buffer_, *parser_,
      [self = shared_from_this()](error_code ec, size_t) { self->OnHeader(ec); });
}

void Session::OnHeader(error_code ec) {
  if (ec) {
    OnReadError(ec);
    return;
  }
  const auto& header = parser_->get();
  if (!parser_->is_done() && boost::beast::iequals(header[Field::expect], "100-continue")) {
    net::async_write(stream_, net::buffer(kContinue.data(), kContinue.size()),
                     [self = shared_from_this()](error_code ec, size_t) {
                       if (ec) {
                         self->OnReadError(ec);
                         return;
                       }
                       self->ReadBody();
                     });
    return;
  }
  ReadBody();
}

void Session::ReadBody() {
  if (parser_->is_done()) {
    OnRequest();
    return;
  }
  bhttp::async_read(stream_, buffer_, *parser_, [self = shared_from_this()](error_code ec, size_t) {
    if (ec) {
      self->OnReadError(ec);
      return;
    }
    self->OnRequest();
  });
}

void Session::OnReadError(error_code ec) {
  CancelTimer();
  if (timed_out_) {
    core_->Rejected("timeout");
    Reject(HttpStatus::request_timeout, "timeout", "the request was not received in time");
  } else if (ec == bhttp::error::end_of_stream) {
    Close();  // the client closed between requests
  } else if (ec == bhttp::error::body_limit) {
    core_->Rejected("too_large");
    Reject(HttpStatus::payload_too_large, "too_large",
           "request body over " + std::to_string(core_->options.max_body_bytes) + " bytes");
  } else if (ec == bhttp::error::header_limit) {
    core_->Rejected("headers_too_large");
    Reject(HttpStatus::request_header_fields_too_large, "headers_too_large",
           "request headers over " + std::to_string(core_->options.max_header_bytes) + " bytes");
  } else if (ec.category() == bhttp::make_error_code(bhttp::error::bad_method).category() ||
             ec == bhttp::error::partial_message) {
    core_->Rejected("bad_request");
    Reject(HttpStatus::bad_request, "bad_request", "malformed HTTP request");
  } else {
    Close();  // a socket error or a cancellation: nobody to answer
  }
}

void Session::OnRequest() {
  CancelTimer();
  timed_out_ = false;
  phase_ = Phase::kHandling;
  ++requests_;
  core_->requests_total.fetch_add(1, std::memory_order_relaxed);
  keep_alive_ = parser_->keep_alive();
  request_version_ = parser_->get().version();
  auto exchange = std::make_shared<ExchangeImpl>(shared_from_this(), parser_->release(),
                                                 RequestInfo{remote_address_, id_}, requests_);
  parser_.reset();
  WipeConsumed(buffer_);
  try {
    core_->handler->Handle(exchange);
  } catch (const std::exception&) {
    exchange->Respond(JsonError(HttpStatus::internal_server_error, "internal", "internal error"));
  }
}

void Session::OnResponse(Response response) {
  if (phase_ != Phase::kHandling || pending_response_) return;  // closed meanwhile
  on_gone_ = nullptr;
  if (watching_) {  // end the watching read first; OnWatchRead writes the response
    pending_response_ = std::make_unique<Response>(std::move(response));
    error_code ignored;
    stream_.socket().cancel(ignored);
    return;
  }
  bool keep = keep_alive_ && !shutting_down_ && !core_->stopping.load();
  response.version(request_version_);
  response.keep_alive(keep);
  response.prepare_payload();
  Write(std::move(response), !keep);
}

void Session::WatchForDisconnect(uint64_t request, std::function<void()> on_gone) {
  if (phase_ != Phase::kHandling || request != requests_ || pending_response_) return;
  on_gone_ = std::move(on_gone);
  if (!watching_) WatchRead();
}

void Session::WatchRead() {
  // A client pipelining this much while it waits gets no disconnect detection; its
  // request still ends at its own deadline.
  if (buffer_.size() >= core_->options.max_header_bytes) return;
  watching_ = true;
  stream_.async_read_some(
      buffer_.prepare(kReadChunk),
      [self = shared_from_this()](error_code ec, size_t n) { self->OnWatchRead(ec, n); });
}

void Session::OnWatchRead(error_code ec, size_t n) {
  watching_ = false;
  if (!ec) buffer_.commit(n);
  if (pending_response_) {
    std::unique_ptr<Response> response = std::move(pending_response_);
    // The client may have closed meanwhile; it still gets the answer if it reads.
    if (ec && ec != net::error::operation_aborted) keep_alive_ = false;
    OnResponse(std::move(*response));
    return;
  }
  if (phase_ != Phase::kHandling) return;
  if (!ec) {
    WatchRead();
    return;
  }
  std::function<void()> on_gone = std::move(on_gone_);
  on_gone_ = nullptr;
  Close();
  if (on_gone) on_gone();
}

void Session::Reject(HttpStatus status, std::string_view category, std::string_view message) {
  Response response = JsonError(status, category, message);
  response.keep_alive(false);
  linger_ = true;  // the client may still be sending the request we refused
  Write(std::move(response), /*close_after=*/true);
}

void Session::Write(Response response, bool close_after) {
  uint64_t bytes = response.body().size();
  if (!core_->ChargeUnsent(bytes)) {
    // Holding this answer would pass the memory set aside for answers clients have not
    // taken yet: refuse it (small, so always sendable) and let the client come back.
    WipeString(response.body());
    Response busy = JsonError(HttpStatus::service_unavailable, "overloaded",
                              "the relay is holding too many unsent answers; retry later");
    busy.set(Field::retry_after, "1");
    busy.version(request_version_);
    busy.keep_alive(!close_after);
    busy.prepare_payload();
    core_->Rejected("overloaded");
    core_->ChargeUnsent(busy.body().size());
    charged_ = busy.body().size();
    WriteCharged(std::move(busy), close_after);
    return;
  }
  charged_ = bytes;
  WriteCharged(std::move(response), close_after);
}

void Session::WriteCharged(Response response, bool close_after) {
  phase_ = Phase::kWriting;
  close_after_write_ = close_after;
  response_ = std::make_unique<Response>(std::move(response));
  ArmTimer(core_->options.write_timeout);
  bhttp::async_write(stream_, *response_,
                     [self = shared_from_this()](error_code ec, size_t) { self->OnWritten(ec); });
}

void Session::OnWritten(error_code ec) {
  CancelTimer();
  WipeString(response_->body());  // it may carry plaintext (a device's /v1/unpackage)
  response_.reset();
  core_->ReleaseUnsent(charged_);
  charged_ = 0;
  if (ec || phase_ != Phase::kWriting) {
    Close();
    return;
  }
  if (close_after_write_) {
    GracefulClose();
  } else {
    WaitForRequest();
  }
}

void Session::GracefulClose() {
  phase_ = Phase::kDraining;
  error_code ignored;
  stream_.socket().shutdown(net::socket_base::shutdown_send, ignored);
  // Closing with unread input makes the kernel send a reset, which can destroy the
  // response before the client reads it; so unless nothing is pending, read and discard
  // until the client closes too (bounded by kLinger and kMaxDrainBytes).
  error_code available_ec;
  if (!linger_ && buffer_.size() == 0 && stream_.socket().available(available_ec) == 0 &&
      !available_ec) {
    Close();
    return;
  }
  ArmTimer(kLinger);
  Drain();
}

void Session::Drain() {
  // Raw socket bytes: after our response nothing the client sends is read as TLS.
  stream_.socket().async_read_some(
      net::buffer(drain_buffer_), [self = shared_from_this()](error_code ec, size_t n) {
        self->drained_ += n;
        if (ec || self->phase_ != Phase::kDraining || self->drained_ > kMaxDrainBytes) {
          self->Close();
          return;
        }
        self->Drain();
      });
}

void Session::Close() {
  if (phase_ == Phase::kClosed) return;
  phase_ = Phase::kClosed;
  CancelTimer();
  error_code ignored;
  stream_.socket().close(ignored);
}

void Session::ArmTimer(std::chrono::milliseconds timeout) {
  uint64_t generation = ++timer_generation_;
  timer_.expires_after(timeout);
  timer_.async_wait([self = shared_from_this(), generation](error_code ec) {
    if (!ec && generation == self->timer_generation_) self->OnTimeout();
  });
}

void Session::CancelTimer() {
  ++timer_generation_;
  timer_.cancel();
}

void Session::OnTimeout() {
  switch (phase_) {
    case Phase::kReading: {
      timed_out_ = true;  // the read completes with operation_aborted -> 408
      error_code ignored;
      stream_.socket().cancel(ignored);
      break;
    }
    case Phase::kHandshake:
    case Phase::kIdle:
    case Phase::kWriting:
    case Phase::kDraining:
      Close();
      break;
    case Phase::kHandling:
    case Phase::kClosed:
      break;
  }
}

}  // namespace otc::http
