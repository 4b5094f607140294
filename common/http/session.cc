#include "common/http/session.h"

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

class ExchangeImpl final : public Exchange {
 public:
  ExchangeImpl(std::shared_ptr<Session> session, Request request, RequestInfo info)
      : session_(std::move(session)), request_(std::move(request)), info_(std::move(info)) {}

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

 private:
  std::shared_ptr<Session> session_;
  Request request_;
  RequestInfo info_;
  std::atomic<bool> responded_{false};
};

}  // namespace

Session::Session(Server::Core* core, Socket socket, uint64_t id, std::string remote_address)
    : core_(core),
      socket_(std::move(socket)),
      timer_(socket_.get_executor()),
      id_(id),
      remote_address_(std::move(remote_address)) {}

Session::~Session() { core_->Unregister(id_); }

void Session::Start() {
  if (core_->is_tcp) {
    error_code ignored;
    socket_.set_option(net::ip::tcp::no_delay(true), ignored);
  }
  WaitForRequest();
}

void Session::StartRejecting() {
  core_->Rejected("overloaded");
  Reject(HttpStatus::service_unavailable, "overloaded", "too many connections; retry later");
}

void Session::NotifyShutdown() {
  net::post(socket_.get_executor(), [self = shared_from_this()] {
    self->shutting_down_ = true;
    // An idle connection has nothing in flight: end it now.
    if (self->phase_ == Phase::kIdle) {
      error_code ignored;
      self->socket_.cancel(ignored);
    }
  });
}

void Session::NotifyForceClose() {
  net::post(socket_.get_executor(), [self = shared_from_this()] { self->Close(); });
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
  socket_.async_wait(net::socket_base::wait_read, [self = shared_from_this()](error_code ec) {
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
      socket_, buffer_, *parser_,
      [self = shared_from_this()](error_code ec, size_t) { self->OnHeader(ec); });
}

void Session::OnHeader(error_code ec) {
  if (ec) {
    OnReadError(ec);
    return;
  }
  const auto& header = parser_->get();
  if (!parser_->is_done() && boost::beast::iequals(header[Field::expect], "100-continue")) {
    net::async_write(socket_, net::buffer(kContinue.data(), kContinue.size()),
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
  bhttp::async_read(socket_, buffer_, *parser_, [self = shared_from_this()](error_code ec, size_t) {
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
                                                 RequestInfo{remote_address_, id_});
  parser_.reset();
  WipeConsumed(buffer_);
  try {
    core_->handler->Handle(exchange);
  } catch (const std::exception&) {
    exchange->Respond(JsonError(HttpStatus::internal_server_error, "internal", "internal error"));
  }
}

void Session::OnResponse(Response response) {
  if (phase_ != Phase::kHandling) return;  // force-closed meanwhile
  bool keep = keep_alive_ && !shutting_down_ && !core_->stopping.load();
  response.version(request_version_);
  response.keep_alive(keep);
  response.prepare_payload();
  Write(std::move(response), !keep);
}

void Session::Reject(HttpStatus status, std::string_view category, std::string_view message) {
  Response response = JsonError(status, category, message);
  response.keep_alive(false);
  linger_ = true;  // the client may still be sending the request we refused
  Write(std::move(response), /*close_after=*/true);
}

void Session::Write(Response response, bool close_after) {
  phase_ = Phase::kWriting;
  close_after_write_ = close_after;
  response_ = std::make_unique<Response>(std::move(response));
  ArmTimer(core_->options.write_timeout);
  bhttp::async_write(socket_, *response_,
                     [self = shared_from_this()](error_code ec, size_t) { self->OnWritten(ec); });
}

void Session::OnWritten(error_code ec) {
  CancelTimer();
  WipeString(response_->body());  // it may carry plaintext (a device's /v1/unpackage)
  response_.reset();
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
  socket_.shutdown(net::socket_base::shutdown_send, ignored);
  // Closing with unread input makes the kernel send a reset, which can destroy the
  // response before the client reads it; so unless nothing is pending, read and discard
  // until the client closes too (bounded by kLinger and kMaxDrainBytes).
  error_code available_ec;
  if (!linger_ && buffer_.size() == 0 && socket_.available(available_ec) == 0 && !available_ec) {
    Close();
    return;
  }
  ArmTimer(kLinger);
  Drain();
}

void Session::Drain() {
  socket_.async_read_some(
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
  socket_.close(ignored);
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
      socket_.cancel(ignored);
      break;
    }
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
