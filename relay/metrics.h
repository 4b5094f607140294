// Metrics: the relay's counters and gauges, rendered for GET /metrics in the Prometheus
// text exposition format (version 0.0.4):
//
//   otc_relay_requests_total{endpoint="send"}         counter  requests routed, by endpoint
//   otc_relay_errors_total{category="invalid_uid"}    counter  error responses, by category
//   otc_relay_messages_stored                         gauge    messages held now
//   otc_relay_bytes_stored                            gauge    bytes of contents held now
//   otc_relay_messages_received_total                 counter  messages durably appended
//   otc_relay_messages_deleted_total{reason="ack"}    counter  ...and deleted (ack|retention)
//   otc_relay_longpolls_held                          gauge    /getmessages?wait= waiting now
//   otc_relay_longpoll_wakeups_total                  counter  long-polls woken by a send
//   otc_relay_store_commits_total                     counter  write transactions (fsyncs)
//   otc_relay_connections_open / _connections_total   gauge / counter
//   otc_relay_retention_seconds                       gauge    --retention (0 = off)
//   otc_relay_unsent_response_bytes                   gauge    answers being written now
//
// Every known error category is always listed (0 until it happens), so a dashboard can
// rate() it from the start.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>

#include "common/http/server.h"
#include "relay/message_store.h"

namespace otc::relay {

enum class Endpoint {
  kCheck,
  kSend,
  kGetMessages,
  kGetNextRef,
  kAck,
  kMetrics,
  kRegister,
  kOther,
  kCount
};

class Metrics {
 public:
  Metrics();

  void CountRequest(Endpoint endpoint) {
    requests_[static_cast<size_t>(endpoint)].fetch_add(1, std::memory_order_relaxed);
  }
  void CountError(std::string_view category);
  void CountDeleted(bool by_ack, uint64_t n) {
    (by_ack ? deleted_ack_ : deleted_retention_).fetch_add(n, std::memory_order_relaxed);
  }
  void SetRetention(std::chrono::seconds retention) { retention_s_.store(retention.count()); }
  void CountWakeup() { wakeups_.fetch_add(1, std::memory_order_relaxed); }
  void LongPollStarted() { longpolls_.fetch_add(1, std::memory_order_relaxed); }
  void LongPollEnded() { longpolls_.fetch_sub(1, std::memory_order_relaxed); }

  int64_t longpolls_held() const { return longpolls_.load(); }
  uint64_t wakeups() const { return wakeups_.load(); }
  uint64_t errors(std::string_view category);

  std::string Render(const StoreStats& store, const http::ServerStats& server);

 private:
  std::array<std::atomic<uint64_t>, static_cast<size_t>(Endpoint::kCount)> requests_{};
  std::atomic<uint64_t> deleted_ack_{0};
  std::atomic<uint64_t> deleted_retention_{0};
  std::atomic<uint64_t> wakeups_{0};
  std::atomic<int64_t> retention_s_{0};
  std::atomic<int64_t> longpolls_{0};
  std::mutex errors_mu_;
  std::map<std::string, uint64_t, std::less<>> errors_;
};

}  // namespace otc::relay
