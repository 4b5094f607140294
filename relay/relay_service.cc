#include "relay/relay_service.h"

#include <vector>

#include "common/encoding.h"
#include "common/http/json_util.h"
#include "relay/accounts.h"
#include "relay/long_poll.h"
#include "relay/params.h"

namespace otc::relay {

using http::Exchange;
using http::HttpStatus;

namespace {

uint64_t Base64Length(uint64_t bytes) { return (bytes + 2) / 3 * 4; }

Endpoint Route(std::string_view path) {
  if (path == "/send") return Endpoint::kSend;
  if (path == "/getmessages") return Endpoint::kGetMessages;
  if (path == "/getnextref") return Endpoint::kGetNextRef;
  if (path == "/check") return Endpoint::kCheck;
  if (path == "/ack") return Endpoint::kAck;
  if (path == "/register") return Endpoint::kRegister;
  // /metrics is not here: it is served only on the metrics listener.
  return Endpoint::kOther;
}

bool IsPost(Endpoint e) {
  return e == Endpoint::kSend || e == Endpoint::kAck || e == Endpoint::kRegister;
}

// A request's fields: the query string, plus the body for POST. A field given in both is
// an error, like a field given twice.
struct FieldsError {
  HttpStatus status;
  std::string category;
  std::string message;
};

std::variant<nlohmann::json, FieldsError> RequestFields(const http::Request& request,
                                                        bool with_body) {
  Result<http::Fields> query =
      http::ParseQuery(http::SplitTarget(http::ToStd(request.target())).query);
  if (!query.ok()) {
    return FieldsError{HttpStatus::bad_request, "bad_request",
                       "query string: " + query.status().message()};
  }
  nlohmann::json fields = nlohmann::json::object();
  if (with_body) {
    Result<nlohmann::json> body = http::ParseBodyFields(request);
    if (!body.ok()) {
      if (body.status().code() == Status::Code::kUnsupported) {
        return FieldsError{HttpStatus::unsupported_media_type, "unsupported_media_type",
                           body.status().message()};
      }
      return FieldsError{HttpStatus::bad_request, "bad_body", body.status().message()};
    }
    fields = std::move(*body);
  }
  for (auto& [name, value] : *query) {
    if (fields.contains(name)) {
      return FieldsError{HttpStatus::bad_request, "bad_request",
                         "field '" + name + "' given twice"};
    }
    fields[name] = value;
  }
  return fields;
}

// A required string field; on failure fills `error` (missing_field / bad_field).
const std::string* StringField(const nlohmann::json& fields, const char* name, FieldsError* error) {
  auto it = fields.find(name);
  if (it == fields.end()) {
    *error = {HttpStatus::bad_request, "missing_field", std::string("missing field ") + name};
    return nullptr;
  }
  if (!it->is_string()) {
    *error = {HttpStatus::bad_request, "bad_field", std::string(name) + " must be a string"};
    return nullptr;
  }
  return &it->get_ref<const std::string&>();
}

const std::string* UidField(const nlohmann::json& fields, const char* name, FieldsError* error) {
  const std::string* uid = StringField(fields, name, error);
  if (uid && !IsValidUid(*uid)) {
    *error = {HttpStatus::bad_request, "invalid_uid",
              std::string(name) + " must match [a-z0-9_.-]{1,64}"};
    return nullptr;
  }
  return uid;
}

}  // namespace

uint64_t BodyLimitFor(uint64_t max_message_bytes) {
  return 3 * Base64Length(max_message_bytes) + 4096;
}

std::shared_ptr<RelayService> RelayService::Create(MessageStore* store, RelayOptions options) {
  return std::shared_ptr<RelayService>(new RelayService(store, std::move(options)));
}

RelayService::RelayService(MessageStore* store, RelayOptions options)
    : store_(store),
      options_(std::move(options)),
      limiter_(options_.rate_limit, options_.burst > 0 ? options_.burst : 2 * options_.rate_limit),
      register_limiter_(options_.register_rate, options_.register_burst) {}

void RelayService::SetServerStats(std::function<http::ServerStats()> stats) {
  std::lock_guard lock(server_stats_mu_);
  server_stats_ = std::move(stats);
}

void RelayService::Fail(Exchange& exchange, HttpStatus status, std::string_view category,
                        std::string_view message) {
  metrics_.CountError(category);
  http::Response response = http::JsonError(status, category, message);
  if (status == HttpStatus::too_many_requests || category == "overloaded") {
    response.set(http::Field::retry_after, "1");
  }
  exchange.Respond(std::move(response));
}

void RelayService::Handle(std::shared_ptr<Exchange> exchange) {
  const http::Request& request = exchange->request();
  Endpoint endpoint = Route(http::SplitTarget(http::ToStd(request.target())).path);
  metrics_.CountRequest(endpoint);

  if (!limiter_.Allow(exchange->info().remote_address)) {
    Fail(*exchange, HttpStatus::too_many_requests, "rate_limited",
         "too many requests from this address; retry later");
    return;
  }
  if (endpoint == Endpoint::kOther) {
    Fail(*exchange, HttpStatus::not_found, "not_found", "no such endpoint");
    return;
  }
  http::Verb want = IsPost(endpoint) ? http::Verb::post : http::Verb::get;
  if (request.method() != want) {
    metrics_.CountError("method_not_allowed");
    http::Response response =
        http::JsonError(HttpStatus::method_not_allowed, "method_not_allowed",
                        std::string("use ") + (want == http::Verb::post ? "POST" : "GET"));
    response.set(http::Field::allow, want == http::Verb::post ? "POST" : "GET");
    exchange->Respond(std::move(response));
    return;
  }
  switch (endpoint) {
    case Endpoint::kCheck:
      HandleCheck(*exchange);
      break;
    case Endpoint::kSend:
      HandleSend(exchange);
      break;
    case Endpoint::kGetMessages:
      HandleGetMessages(exchange);
      break;
    case Endpoint::kGetNextRef:
      HandleGetNextRef(*exchange);
      break;
    case Endpoint::kAck:
      HandleAck(exchange);
      break;
    case Endpoint::kRegister:
      HandleRegister(exchange);
      break;
    default:
      break;
  }
}

void RelayService::HandleCheck(Exchange& exchange) {
  if (store_->failed()) {
    Fail(exchange, HttpStatus::service_unavailable, "unavailable", "the relay's storage failed");
    return;
  }
  exchange.Respond(http::JsonResponse(HttpStatus::ok, {{"status", "ok"}}));
}

void RelayService::HandleSend(const std::shared_ptr<Exchange>& exchange) {
  auto parsed = RequestFields(exchange->request(), /*with_body=*/true);
  if (auto* e = std::get_if<FieldsError>(&parsed)) {
    Fail(*exchange, e->status, e->category, e->message);
    return;
  }
  const nlohmann::json& fields = std::get<nlohmann::json>(parsed);
  FieldsError error;
  const std::string* sender = UidField(fields, "sender_uid", &error);
  const std::string* recipient = sender ? UidField(fields, "recipient_uid", &error) : nullptr;
  const std::string* contents = recipient ? StringField(fields, "contents", &error) : nullptr;
  if (!contents) {
    Fail(*exchange, error.status, error.category, error.message);
    return;
  }
  std::string limit = std::to_string(options_.max_message_bytes);
  if (contents->size() > Base64Length(options_.max_message_bytes)) {
    Fail(*exchange, HttpStatus::payload_too_large, "too_large",
         "contents over the relay's limit of " + limit + " bytes");
    return;
  }
  if (contents->empty()) {
    Fail(*exchange, HttpStatus::bad_request, "bad_base64", "contents is empty");
    return;
  }
  Result<std::vector<uint8_t>> decoded = Base64Decode(*contents);
  if (!decoded.ok()) {
    Fail(*exchange, HttpStatus::bad_request, "bad_base64",
         "contents must be strict base64 (RFC 4648, padded)");
    return;
  }
  if (decoded->size() > options_.max_message_bytes) {
    Fail(*exchange, HttpStatus::payload_too_large, "too_large",
         "contents over the relay's limit of " + limit + " bytes");
    return;
  }
  NewMessage message{*recipient, *sender, *contents};
  store_->Append(std::move(message), [self = shared_from_this(), exchange](Result<uint64_t> ref) {
    if (!ref.ok() && ref.status().code() == Status::Code::kNoSpace) {
      self->Fail(*exchange, HttpStatus::insufficient_storage, "storage_full",
                 "the recipient's queue or the relay's storage is full; retry later");
      return;
    }
    if (!ref.ok()) {
      if (self->options_.log) self->options_.log("send failed: " + ref.status().ToString());
      self->Fail(*exchange, HttpStatus::service_unavailable, "unavailable",
                 "the relay's storage failed; the message was not stored");
      return;
    }
    exchange->Respond(http::JsonResponse(HttpStatus::ok, {{"received", true}, {"ref", *ref}}));
  });
}

Result<FetchResult> RelayService::FetchFor(std::string_view recipient, uint64_t start_ref,
                                           uint64_t maxcount) {
  return store_->Fetch(recipient, start_ref, maxcount, options_.max_response_bytes);
}

void RelayService::RespondMessages(Exchange& exchange, std::string_view recipient,
                                   Result<FetchResult> result) {
  if (!result.ok()) {
    if (options_.log) options_.log("fetch failed: " + result.status().ToString());
    Fail(exchange, HttpStatus::service_unavailable, "unavailable", "the relay's storage failed");
    return;
  }
  // Refuse before building a large answer that the server would refuse to hold anyway.
  uint64_t estimate = 128;
  for (const StoredMessage& m : result->messages) {
    estimate += m.contents.size() + m.sender_uid.size() + m.recipient_uid.size() + 80;
  }
  if (!exchange.CanHoldResponse(estimate)) {
    Fail(exchange, HttpStatus::service_unavailable, "overloaded",
         "the relay is holding too many unsent answers; retry later");
    return;
  }
  nlohmann::json messages = nlohmann::json::array();
  for (StoredMessage& m : result->messages) {
    messages.push_back({{"ref", m.ref},
                        {"recipient_uid", std::move(m.recipient_uid)},
                        {"sender_uid", std::move(m.sender_uid)},
                        {"contents", std::move(m.contents)}});
  }
  size_t count = messages.size();
  exchange.Respond(http::JsonResponse(HttpStatus::ok, {{"recipient_uid", recipient},
                                                       {"count", count},
                                                       {"messages", std::move(messages)},
                                                       {"complete", result->complete}}));
}

void RelayService::HandleGetMessages(const std::shared_ptr<Exchange>& exchange) {
  auto parsed = RequestFields(exchange->request(), /*with_body=*/false);
  if (auto* e = std::get_if<FieldsError>(&parsed)) {
    Fail(*exchange, e->status, e->category, e->message);
    return;
  }
  const nlohmann::json& fields = std::get<nlohmann::json>(parsed);
  FieldsError error;
  const std::string* recipient = UidField(fields, "recipient_uid", &error);
  const std::string* start = recipient ? StringField(fields, "start_ref", &error) : nullptr;
  if (!start) {
    Fail(*exchange, error.status, error.category, error.message);
    return;
  }
  if (!Authorize(*exchange, *recipient)) return;
  Result<uint64_t> start_ref = ParseRef(std::string_view(*start));
  if (!start_ref.ok()) {
    Fail(*exchange, HttpStatus::bad_request, "bad_ref",
         "start_ref " + start_ref.status().message());
    return;
  }
  uint64_t maxcount = options_.default_maxcount;
  if (auto it = fields.find("maxcount"); it != fields.end()) {
    Result<uint64_t> n = ParseCount(it->get_ref<const std::string&>(), options_.max_maxcount);
    if (!n.ok()) {
      Fail(*exchange, HttpStatus::bad_request, "bad_maxcount", "maxcount " + n.status().message());
      return;
    }
    maxcount = *n;
  }
  std::chrono::milliseconds wait{0};
  if (auto it = fields.find("wait"); it != fields.end()) {
    Result<std::chrono::milliseconds> w =
        ParseWait(it->get_ref<const std::string&>(), options_.max_wait);
    if (!w.ok()) {
      Fail(*exchange, HttpStatus::bad_request, "bad_wait", "wait " + w.status().message());
      return;
    }
    wait = *w;
  }
  if (wait.count() == 0) {
    RespondMessages(*exchange, *recipient, FetchFor(*recipient, *start_ref, maxcount));
    return;
  }
  auto poll = std::make_shared<LongPoll>(shared_from_this(), exchange, *recipient, *start_ref,
                                         maxcount, wait);
  poll->Start();
}

void RelayService::HandleGetNextRef(Exchange& exchange) {
  auto parsed = RequestFields(exchange.request(), /*with_body=*/false);
  if (auto* e = std::get_if<FieldsError>(&parsed)) {
    Fail(exchange, e->status, e->category, e->message);
    return;
  }
  FieldsError error;
  const std::string* recipient =
      UidField(std::get<nlohmann::json>(parsed), "recipient_uid", &error);
  if (!recipient) {
    Fail(exchange, error.status, error.category, error.message);
    return;
  }
  if (!Authorize(exchange, *recipient)) return;
  exchange.Respond(http::JsonResponse(HttpStatus::ok, {{"nextref", store_->NextRef()}}));
}

void RelayService::HandleAck(const std::shared_ptr<Exchange>& exchange) {
  auto parsed = RequestFields(exchange->request(), /*with_body=*/true);
  if (auto* e = std::get_if<FieldsError>(&parsed)) {
    Fail(*exchange, e->status, e->category, e->message);
    return;
  }
  const nlohmann::json& fields = std::get<nlohmann::json>(parsed);
  FieldsError error;
  const std::string* recipient = UidField(fields, "recipient_uid", &error);
  if (!recipient) {
    Fail(*exchange, error.status, error.category, error.message);
    return;
  }
  if (!Authorize(*exchange, *recipient)) return;
  auto it = fields.find("up_to_ref");
  if (it == fields.end()) {
    Fail(*exchange, HttpStatus::bad_request, "missing_field", "missing field up_to_ref");
    return;
  }
  Result<uint64_t> up_to = ParseRef(*it);
  if (!up_to.ok()) {
    Fail(*exchange, HttpStatus::bad_request, "bad_ref", "up_to_ref " + up_to.status().message());
    return;
  }
  store_->Ack(*recipient, *up_to, [self = shared_from_this(), exchange](Result<uint64_t> n) {
    if (!n.ok()) {
      if (self->options_.log) self->options_.log("ack failed: " + n.status().ToString());
      self->Fail(*exchange, HttpStatus::service_unavailable, "unavailable",
                 "the relay's storage failed");
      return;
    }
    self->metrics_.CountDeleted(/*by_ack=*/true, *n);
    exchange->Respond(http::JsonResponse(HttpStatus::ok, {{"deleted", *n}}));
  });
}

bool RelayService::Authorize(Exchange& exchange, std::string_view uid) {
  if (!options_.accounts_required) return true;
  std::string_view header = http::ToStd(exchange.request()[http::Field::authorization]);
  switch (CheckAccess(*store_, uid, header)) {
    case AccessDecision::kAllowed:
      return true;
    case AccessDecision::kNoToken: {
      metrics_.CountError("unauthorized");
      http::Response response = http::JsonError(
          HttpStatus::unauthorized, "unauthorized",
          "this queue needs its owner's token: Authorization: Bearer <token> (otc register)");
      response.set(http::Field::www_authenticate, "Bearer");
      exchange.Respond(std::move(response));
      return false;
    }
    case AccessDecision::kWrongToken:
      Fail(exchange, HttpStatus::forbidden, "forbidden", "the token is not for this uid");
      return false;
    case AccessDecision::kStoreError:
      break;
  }
  Fail(exchange, HttpStatus::service_unavailable, "unavailable", "the relay's storage failed");
  return false;
}

void RelayService::HandleRegister(const std::shared_ptr<Exchange>& exchange) {
  if (!options_.accounts_required) {
    Fail(*exchange, HttpStatus::not_found, "not_found", "this relay runs without accounts");
    return;
  }
  auto parsed = RequestFields(exchange->request(), /*with_body=*/true);
  if (auto* e = std::get_if<FieldsError>(&parsed)) {
    Fail(*exchange, e->status, e->category, e->message);
    return;
  }
  FieldsError error;
  const std::string* uid = UidField(std::get<nlohmann::json>(parsed), "recipient_uid", &error);
  if (!uid) {
    Fail(*exchange, error.status, error.category, error.message);
    return;
  }
  if (!register_limiter_.Allow(exchange->info().remote_address)) {
    Fail(*exchange, HttpStatus::too_many_requests, "rate_limited",
         "too many registrations from this address; retry later");
    return;
  }
  Result<std::string> token = NewAccountToken();
  if (!token.ok()) {
    Fail(*exchange, HttpStatus::internal_server_error, "internal", "cannot make a token");
    return;
  }
  std::string hash = AccountTokenHash(*token);
  store_->CreateAccount(
      *uid, std::move(hash),
      [self = shared_from_this(), exchange, uid = *uid, token = std::move(*token)](Status s) {
        if (s.code() == Status::Code::kAlreadyExists) {
          self->Fail(*exchange, HttpStatus::conflict, "uid_taken",
                     "this uid is registered already; pick another");
          return;
        }
        if (!s.ok()) {
          if (self->options_.log) self->options_.log("register failed: " + s.ToString());
          self->Fail(*exchange, HttpStatus::service_unavailable, "unavailable",
                     "the relay's storage failed");
          return;
        }
        exchange->Respond(http::JsonResponse(HttpStatus::ok, {{"uid", uid}, {"token", token}}));
      });
}

std::string RelayService::RenderMetrics() {
  http::ServerStats server;
  {
    std::lock_guard lock(server_stats_mu_);
    if (server_stats_) server = server_stats_();
  }
  return metrics_.Render(store_->Stats(), server);
}

bool RelayService::RegisterPoll(uint64_t id, std::weak_ptr<LongPoll> poll) {
  std::lock_guard lock(polls_mu_);
  if (shutting_down_) return false;
  polls_.emplace(id, std::move(poll));
  return true;
}

void RelayService::UnregisterPoll(uint64_t id) {
  std::lock_guard lock(polls_mu_);
  polls_.erase(id);
}

void RelayService::OnShutdown() {
  std::vector<std::shared_ptr<LongPoll>> held;
  {
    std::lock_guard lock(polls_mu_);
    shutting_down_ = true;
    for (auto& [id, weak] : polls_) {
      if (auto poll = weak.lock()) held.push_back(std::move(poll));
    }
  }
  for (auto& poll : held) poll->FinishSoon();
}

}  // namespace otc::relay
