// RelayService: the relay's HTTP API (the 2015 endpoints plus extensions) as an
// http::Handler over a MessageStore. The wire format is documented in docs/PROTOCOL.md
// ("Relay API"); in short:
//
//   GET  /check                                   -> {"status":"ok"}
//   POST /send  sender_uid, recipient_uid, contents (base64)
//                                                 -> {"received":true,"ref":N}
//   GET  /getmessages?recipient_uid=U&start_ref=R[&maxcount=K][&wait=S]
//        -> {"recipient_uid":U,"count":C,"messages":[{"ref","recipient_uid","sender_uid",
//            "contents"}],"complete":bool}
//   GET  /getnextref?recipient_uid=U              -> {"nextref":N}
//   POST /ack   recipient_uid, up_to_ref          -> {"deleted":N}
// and, on the separate metrics listener only (metrics_endpoint.h):
//   GET  /metrics                                 -> Prometheus text
//   POST /register recipient_uid                  -> {"uid":U,"token":T} (409 if taken)
//
// With accounts required (otc-relay's default), /getmessages, /getnextref and /ack need
// "Authorization: Bearer T" for their recipient_uid: 401 without, 403 with another's
// (relay/accounts.h). A send refused for a full queue or a full disk is 507.
//
// Every failure is {"error":"<category>","message":...} with a 4xx/5xx status. The relay
// never interprets contents beyond checking they are strict base64 within the size limit.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "common/http/server.h"
#include "relay/message_store.h"
#include "relay/metrics.h"
#include "relay/rate_limiter.h"

namespace otc::relay {

class LongPoll;

struct RelayOptions {
  uint64_t max_message_bytes = 64 * 1024;  // decoded contents; more -> 413
  uint64_t default_maxcount = 100;         // /getmessages without maxcount
  uint64_t max_maxcount = 1000;
  // Contents per /getmessages answer (always at least one message); the client pages
  // through a longer queue with start_ref, so this bounds what one answer holds.
  size_t max_response_bytes = 1u << 20;
  std::chrono::milliseconds max_wait{60'000};
  double rate_limit = 0;  // requests per second per address; 0 = unlimited
  double burst = 0;       // bucket size; 0 = 2 * rate_limit
  // Reads and acks need the queue owner's token (accounts.h); false keeps the 2015
  // anonymous API. Off here so embedding tests opt in; otc-relay defaults to required.
  bool accounts_required = false;
  double register_rate = 0.1;  // POST /register per second per address
  double register_burst = 5;
  // Operator log (store failures); never given message contents.
  std::function<void(std::string_view)> log;
};

// The HTTP body limit the server needs so that a message of max_message_bytes fits in
// any accepted encoding (base64 inside a percent-encoded form is at most 3x its length).
uint64_t BodyLimitFor(uint64_t max_message_bytes);

class RelayService final : public http::Handler, public std::enable_shared_from_this<RelayService> {
 public:
  // `store` must outlive the service and every request it handles.
  static std::shared_ptr<RelayService> Create(MessageStore* store, RelayOptions options);

  void Handle(std::shared_ptr<http::Exchange> exchange) override;
  void OnShutdown() override;
  void OnRejected(std::string_view category) override { metrics_.CountError(category); }

  // Where /metrics reads connection counts (the Server is created after the service).
  void SetServerStats(std::function<http::ServerStats()> stats);
  Metrics& metrics() { return metrics_; }
  // The Prometheus text for GET /metrics (served by MetricsEndpoint).
  std::string RenderMetrics();
  MessageStore& store() { return *store_; }

  // Used by LongPoll.
  Result<FetchResult> FetchFor(std::string_view recipient, uint64_t start_ref, uint64_t maxcount);
  void RespondMessages(http::Exchange& exchange, std::string_view recipient,
                       Result<FetchResult> result);
  bool RegisterPoll(uint64_t id, std::weak_ptr<LongPoll> poll);
  void UnregisterPoll(uint64_t id);

 private:
  RelayService(MessageStore* store, RelayOptions options);

  void Fail(http::Exchange& exchange, http::HttpStatus status, std::string_view category,
            std::string_view message);
  void HandleSend(const std::shared_ptr<http::Exchange>& exchange);
  void HandleGetMessages(const std::shared_ptr<http::Exchange>& exchange);
  void HandleGetNextRef(http::Exchange& exchange);
  void HandleAck(const std::shared_ptr<http::Exchange>& exchange);
  void HandleCheck(http::Exchange& exchange);
  void HandleRegister(const std::shared_ptr<http::Exchange>& exchange);
  // With accounts required, answers 401/403/503 and returns false unless the request
  // carries `uid`'s token.
  bool Authorize(http::Exchange& exchange, std::string_view uid);

  MessageStore* store_;
  RelayOptions options_;
  Metrics metrics_;
  RateLimiter limiter_;
  RateLimiter register_limiter_;
  std::mutex server_stats_mu_;  // set once the Server exists, while requests may run
  std::function<http::ServerStats()> server_stats_;

  std::atomic<uint64_t> next_poll_id_{1};
  std::mutex polls_mu_;
  bool shutting_down_ = false;
  std::unordered_map<uint64_t, std::weak_ptr<LongPoll>> polls_;
};

}  // namespace otc::relay
