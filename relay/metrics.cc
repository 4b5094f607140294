#include "relay/metrics.h"

namespace otc::relay {

namespace {

constexpr const char* kEndpointNames[] = {"check", "send",    "getmessages", "getnextref",
                                          "ack",   "metrics", "register",    "other"};

constexpr const char* kKnownCategories[] = {"bad_request",        "headers_too_large",
                                            "too_large",          "timeout",
                                            "overloaded",         "invalid_uid",
                                            "bad_base64",         "missing_field",
                                            "bad_field",          "bad_ref",
                                            "bad_maxcount",       "bad_wait",
                                            "bad_body",           "unsupported_media_type",
                                            "rate_limited",       "not_found",
                                            "method_not_allowed", "unavailable",
                                            "internal",           "unauthorized",
                                            "forbidden",          "uid_taken",
                                            "storage_full"};

void Header(std::string& out, const char* name, const char* type, const char* help) {
  out += "# HELP ";
  out += name;
  out += ' ';
  out += help;
  out += "\n# TYPE ";
  out += name;
  out += ' ';
  out += type;
  out += '\n';
}

void Line(std::string& out, std::string_view name, std::string_view labels, uint64_t value) {
  out += name;
  out += labels;
  out += ' ';
  out += std::to_string(value);
  out += '\n';
}

}  // namespace

Metrics::Metrics() {
  for (const char* c : kKnownCategories) errors_.emplace(c, 0);
}

void Metrics::CountError(std::string_view category) {
  std::lock_guard lock(errors_mu_);
  auto it = errors_.find(category);
  if (it == errors_.end()) it = errors_.emplace(std::string(category), 0).first;
  ++it->second;
}

uint64_t Metrics::errors(std::string_view category) {
  std::lock_guard lock(errors_mu_);
  auto it = errors_.find(category);
  return it == errors_.end() ? 0 : it->second;
}

std::string Metrics::Render(const StoreStats& store, const http::ServerStats& server) {
  std::string out;
  out.reserve(4096);
  Header(out, "otc_relay_requests_total", "counter", "Requests routed to an endpoint.");
  for (size_t i = 0; i < requests_.size(); ++i) {
    Line(out, "otc_relay_requests_total", std::string("{endpoint=\"") + kEndpointNames[i] + "\"}",
         requests_[i].load());
  }
  Header(out, "otc_relay_errors_total", "counter", "Error responses, by category.");
  {
    std::lock_guard lock(errors_mu_);
    for (const auto& [category, n] : errors_) {
      Line(out, "otc_relay_errors_total", "{category=\"" + category + "\"}", n);
    }
  }
  Header(out, "otc_relay_messages_stored", "gauge", "Messages stored now.");
  Line(out, "otc_relay_messages_stored", "", store.messages);
  Header(out, "otc_relay_bytes_stored", "gauge", "Bytes of message contents stored now.");
  Line(out, "otc_relay_bytes_stored", "", store.bytes);
  Header(out, "otc_relay_messages_received_total", "counter",
         "Messages durably stored since start.");
  Line(out, "otc_relay_messages_received_total", "", store.appended);
  Header(out, "otc_relay_messages_deleted_total", "counter",
         "Messages deleted since start, by reason.");
  Line(out, "otc_relay_messages_deleted_total", "{reason=\"ack\"}", deleted_ack_.load());
  Line(out, "otc_relay_messages_deleted_total", "{reason=\"retention\"}",
       deleted_retention_.load());
  Header(out, "otc_relay_longpolls_held", "gauge", "Long-polls waiting now.");
  Line(out, "otc_relay_longpolls_held", "",
       static_cast<uint64_t>(std::max<int64_t>(0, longpolls_.load())));
  Header(out, "otc_relay_longpoll_wakeups_total", "counter", "Long-polls woken by a send.");
  Line(out, "otc_relay_longpoll_wakeups_total", "", wakeups_.load());
  Header(out, "otc_relay_store_commits_total", "counter",
         "Write transactions committed (one fsync each).");
  Line(out, "otc_relay_store_commits_total", "", store.commits);
  Header(out, "otc_relay_connections_open", "gauge", "Client connections open now.");
  Line(out, "otc_relay_connections_open", "", server.connections_open);
  Header(out, "otc_relay_connections_total", "counter", "Client connections accepted.");
  Line(out, "otc_relay_connections_total", "", server.connections_total);
  Header(out, "otc_relay_retention_seconds", "gauge",
         "Undelivered messages older than this are deleted (0 = kept until acked).");
  Line(out, "otc_relay_retention_seconds", "",
       static_cast<uint64_t>(std::max<int64_t>(0, retention_s_.load())));
  Header(out, "otc_relay_unsent_response_bytes", "gauge",
         "Bytes of answers being written to clients now (capped by --max-unsent).");
  Line(out, "otc_relay_unsent_response_bytes", "", server.unsent_response_bytes);
  return out;
}

}  // namespace otc::relay
