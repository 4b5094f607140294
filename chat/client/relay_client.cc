#include "chat/client/relay_client.h"

#include "common/http/json_util.h"
#include "common/http/tls.h"
#include "common/secret_buffer.h"

namespace otc::client {

namespace {

using nlohmann::json;

Status BadReply(std::string_view what) {
  return Status::Internal("relay sent an unexpected reply (" + std::string(what) + ")");
}

Result<uint64_t> GetU64(const json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_number_unsigned()) return BadReply(std::string("no ") + key);
  return it->get<uint64_t>();
}

}  // namespace

Status RelayErrorStatus(int http_status, std::string_view body) {
  std::string category, message;
  json j = json::parse(body, nullptr, false);
  if (j.is_object()) {
    if (j.contains("error") && j["error"].is_string()) category = j["error"];
    if (j.contains("message") && j["message"].is_string()) message = j["message"];
  }
  if (message.size() > 200) message.resize(200);
  std::string text = "relay: HTTP " + std::to_string(http_status) +
                     (category.empty() ? "" : " " + category) +
                     (message.empty() ? "" : ": " + message);
  if (http_status == 429 || http_status >= 500) return Status::Unavailable(text);
  if (http_status == 413) return Status::TooLarge(text);
  if (http_status == 401 || http_status == 403) {
    return Status::Denied(text +
                          " (register with `otc register`, or check the relay_token "
                          "file in your config directory)");
  }
  return Status::InvalidArgument(text);
}

Result<std::vector<RelayMessage>> ParseRelayMessages(const json& reply) {
  auto list = reply.find("messages");
  if (list == reply.end() || !list->is_array()) return BadReply("no messages array");
  std::vector<RelayMessage> out;
  out.reserve(list->size());
  for (const json& m : *list) {
    if (!m.is_object()) return BadReply("message is not an object");
    RelayMessage r;
    Result<uint64_t> ref = GetU64(m, "ref");
    if (!ref.ok()) return ref.status();
    r.ref = *ref;
    for (auto [key, field] :
         {std::pair{"sender_uid", &r.sender}, std::pair{"recipient_uid", &r.recipient},
          std::pair{"contents", &r.contents}}) {
      auto it = m.find(key);
      if (it == m.end() || !it->is_string()) return BadReply(std::string("no ") + key);
      *field = it->get<std::string>();
    }
    out.push_back(std::move(r));
  }
  return out;
}

Result<std::unique_ptr<HttpRelayClient>> HttpRelayClient::Create(const Endpoint& endpoint,
                                                                 RelayClientOptions options) {
  return Create(std::vector<Endpoint>{endpoint}, std::move(options));
}

Result<std::unique_ptr<HttpRelayClient>> HttpRelayClient::Create(
    const std::vector<Endpoint>& endpoints, RelayClientOptions options) {
  if (endpoints.empty()) return Status::InvalidArgument("no relay address given");
  if (!options.pin.empty()) {
    if (Result<http::PinDigest> pin = http::ParsePin(options.pin); !pin.ok()) return pin.status();
  }
  std::unique_ptr<HttpRelayClient> client(new HttpRelayClient(options));
  for (const Endpoint& endpoint : endpoints) {
    http::ClientTls tls;
    if (endpoint.tls) {
      if (endpoint.kind != Endpoint::Kind::kTcp) {
        return Status::InvalidArgument("relay " + endpoint.ToString() + ": https needs TCP");
      }
      tls.enabled = true;
      tls.pin = options.pin;
      tls.ca_file = options.ca_file;
    }
    client->connections_.push_back(
        std::make_unique<KeptAliveConnection>("relay", ConnectAddress(endpoint), std::move(tls)));
  }
  return client;
}

Result<http::Response> HttpRelayClient::Exchange(http::Verb verb, const std::string& target,
                                                 const std::string& body,
                                                 std::chrono::milliseconds timeout,
                                                 const std::string& token) {
  size_t n = connections_.size();
  size_t first = current_.load();
  Result<http::Response> resp = Status::Unavailable("relay: no address");
  for (size_t i = 0; i < n; ++i) {
    size_t at = (first + i) % n;
    std::string copy = body;  // each attempt's copy is wiped once sent
    resp = connections_[at]->Exchange(verb, target, std::move(copy), token, timeout);
    Status::Code code = resp.ok() ? Status::Code::kOk : resp.status().code();
    if (code != Status::Code::kUnavailable && code != Status::Code::kDenied) {
      current_.store(at);
      return resp;
    }
  }
  return resp;
}

Result<json> HttpRelayClient::Call(http::Verb verb, const std::string& target, std::string body,
                                   std::chrono::milliseconds timeout, bool authorized) {
  static const std::string kNone;
  Result<http::Response> resp =
      Exchange(verb, target, body, timeout, authorized ? options_.account_token : kNone);
  WipeString(body);
  if (!resp.ok()) return resp.status();
  int status = static_cast<int>(resp->result_int());
  if (status < 200 || status > 299) return RelayErrorStatus(status, resp->body());
  json j = json::parse(resp->body(), nullptr, false);
  if (!j.is_object()) return BadReply("not a JSON object");
  return j;
}

Status HttpRelayClient::Check() {
  Result<json> j = Call(http::Verb::get, "/check", "", options_.timeout);
  if (!j.ok()) return j.status();
  auto s = j->find("status");
  if (s == j->end() || *s != "ok") return BadReply("status is not ok");
  return Status::Ok();
}

Result<uint64_t> HttpRelayClient::Send(const std::string& sender, const std::string& recipient,
                                       const std::string& contents) {
  json req = {{"sender_uid", sender}, {"recipient_uid", recipient}, {"contents", contents}};
  Result<json> j = Call(http::Verb::post, "/send", req.dump(), options_.timeout);
  if (!j.ok()) return j.status();
  auto received = j->find("received");
  if (received == j->end() || *received != true) return BadReply("not received");
  return GetU64(*j, "ref");
}

Result<std::vector<RelayMessage>> HttpRelayClient::GetMessages(const std::string& recipient,
                                                               uint64_t start_ref,
                                                               uint32_t maxcount,
                                                               uint32_t wait_seconds) {
  std::string target = "/getmessages?recipient_uid=" + http::PercentEncode(recipient) +
                       "&start_ref=" + std::to_string(start_ref) +
                       "&maxcount=" + std::to_string(maxcount);
  if (wait_seconds > 0) target += "&wait=" + std::to_string(wait_seconds);
  Result<json> j = Call(http::Verb::get, target, "",
                        options_.timeout + std::chrono::seconds(wait_seconds), true);
  if (!j.ok()) return j.status();
  return ParseRelayMessages(*j);
}

Result<uint64_t> HttpRelayClient::NextRef(const std::string& recipient) {
  Result<json> j =
      Call(http::Verb::get, "/getnextref?recipient_uid=" + http::PercentEncode(recipient), "",
           options_.timeout, true);
  if (!j.ok()) return j.status();
  return GetU64(*j, "nextref");
}

Status HttpRelayClient::Ack(const std::string& recipient, uint64_t up_to_ref) {
  json req = {{"recipient_uid", recipient}, {"up_to_ref", up_to_ref}};
  Result<json> j = Call(http::Verb::post, "/ack", req.dump(), options_.timeout, true);
  return j.ok() ? Status::Ok() : j.status();
}

Result<std::string> HttpRelayClient::Register(const std::string& uid) {
  json req = {{"recipient_uid", uid}};
  Result<http::Response> resp =
      Exchange(http::Verb::post, "/register", req.dump(), options_.timeout, "");
  if (!resp.ok()) return resp.status();
  int status = static_cast<int>(resp->result_int());
  if (status == 409) {
    return Status::AlreadyExists("relay: the uid '" + uid +
                                 "' is registered already (by you on another machine, or by "
                                 "someone else: pick another uid)");
  }
  if (status < 200 || status > 299) return RelayErrorStatus(status, resp->body());
  json j = json::parse(resp->body(), nullptr, false);
  auto token = j.is_object() ? j.find("token") : j.end();
  if (!j.is_object() || token == j.end() || !token->is_string()) return BadReply("no token");
  return token->get<std::string>();
}

}  // namespace otc::client
