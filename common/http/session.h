// Internal to common/http: one accepted connection and its request/response loop.
//
// Phases: [kHandshake (TLS)] -> kIdle (waiting for a request's first byte) -> kReading ->
// kHandling (the Handler holds an Exchange) -> kWriting -> kIdle ..., ending in kDraining
// (after a rejecting response: our side shut down for sending, reading and discarding what
// the client still sends so it sees the response rather than a reset) and kClosed. Every
// member runs on the connection's strand; one timer covers the phase's deadline.
//
// While a request is handled, a handler may ask to hear of the client leaving
// (Exchange::OnClientGone): the session then keeps one read open, buffering whatever the
// client pipelines; end-of-stream or an error means the client is gone. The response
// waits for that read to be cancelled before it is written, so at most one read is ever
// in flight (TLS streams allow no more).
#pragma once

#include <array>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include <boost/asio/steady_timer.hpp>
#include <boost/beast/http/parser.hpp>

#include "common/http/read_buffer.h"
#include "common/http/server_core.h"

namespace otc::http {

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(Server::Core* core, Socket socket, uint64_t id, std::string remote_address);
  ~Session();

  // Starts serving (call once, after Register).
  void Start();
  // Answers 503 {"error":category} without reading a request, then closes.
  void StartRejecting(std::string_view category, std::string_view message);
  // Thread-safe notifications from the Server.
  void NotifyShutdown();
  void NotifyForceClose();
  // Called by the Exchange (on the strand) with its response.
  void OnResponse(Response response);
  // Called by the Exchange (on the strand); see OnClientGone in server.h.
  void WatchForDisconnect(uint64_t request, std::function<void()> on_gone);

  net::any_io_executor executor() { return stream_.get_executor(); }
  uint64_t id() const { return id_; }
  bool CanHoldResponse(uint64_t bytes) const { return core_->CanHoldUnsent(bytes); }

 private:
  enum class Phase { kHandshake, kIdle, kReading, kHandling, kWriting, kDraining, kClosed };

  void OnHandshake(boost::system::error_code ec);
  void WaitForRequest();
  void WatchRead();
  void OnWatchRead(boost::system::error_code ec, size_t n);
  void ReadHeader();
  void OnHeader(boost::system::error_code ec);
  void ReadBody();
  void OnRequest();
  void OnReadError(boost::system::error_code ec);
  void Reject(HttpStatus status, std::string_view category, std::string_view message);
  void Write(Response response, bool close_after);
  void WriteCharged(Response response, bool close_after);
  void OnWritten(boost::system::error_code ec);
  void GracefulClose();
  void Drain();
  void Close();
  void ArmTimer(std::chrono::milliseconds timeout);
  void CancelTimer();
  void OnTimeout();

  Server::Core* core_;
  Stream stream_;
  net::steady_timer timer_;
  uint64_t timer_generation_ = 0;
  const uint64_t id_;
  const std::string remote_address_;

  Phase phase_ = Phase::kIdle;
  bool timed_out_ = false;
  bool shutting_down_ = false;
  bool close_after_write_ = false;
  bool linger_ = false;
  bool keep_alive_ = true;
  unsigned request_version_ = 11;
  uint64_t requests_ = 0;
  size_t drained_ = 0;
  uint64_t charged_ = 0;  // bytes reserved in Core::unsent_bytes for response_

  bool watching_ = false;  // a read is open while handling (see the header comment)
  std::function<void()> on_gone_;
  std::unique_ptr<Response> pending_response_;  // waits for the watching read to end

  ReadBuffer buffer_;
  std::optional<boost::beast::http::request_parser<boost::beast::http::string_body>> parser_;
  std::unique_ptr<Response> response_;
  std::array<char, 4096> drain_buffer_;
};

}  // namespace otc::http
