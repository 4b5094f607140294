#include "chat/client/device_client.h"

#include <sys/stat.h>

#include <cerrno>

#include "chat/client/utf8.h"
#include "common/encoding.h"
#include "common/env.h"
#include "common/http/json_util.h"
#include "common/secret_buffer.h"

namespace otc::client {

namespace {

using nlohmann::json;

Status BadReply(std::string_view what) {
  return Status::Internal("device sent an unexpected reply (" + std::string(what) + ")");
}

Result<uint64_t> GetU64(const json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_number_unsigned()) return BadReply(std::string("no ") + key);
  return it->get<uint64_t>();
}

}  // namespace

Result<std::string> ReadTokenFile(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return Status::FromErrno(errno, "token file " + path);
  if ((st.st_mode & 077) != 0) {
    return Status::InvalidArgument("token file " + path +
                                   " is readable by group or others: chmod 600 it");
  }
  Result<std::string> text = ReadFileToString(*Env::Default(), path);
  if (!text.ok()) return text.status();
  std::string token = std::move(*text);
  if (token.ends_with("\n")) token.pop_back();
  if (token.ends_with("\r")) token.pop_back();
  bool printable =
      std::all_of(token.begin(), token.end(), [](char c) { return c > 32 && c < 127; });
  if (token.size() < 16 || token.size() > 4096 || !printable) {
    WipeString(token);
    return Status::InvalidArgument("token file " + path +
                                   " must hold one line of 16-4096 printable characters");
  }
  return token;
}

Status DeviceErrorStatus(int http_status, std::string_view body) {
  std::string category;
  std::string message;
  json j = json::parse(body, nullptr, false);
  if (j.is_object() && j.contains("error") && j["error"].is_string()) {
    category = j["error"].get<std::string>();
    if (j.contains("message") && j["message"].is_string()) message = j["message"];
  }
  if (message.size() > 200) message.resize(200);
  // One prefix, and the device's own words when it sent any (the category is the code).
  std::string text =
      "the device refused: " + (!message.empty()   ? message
                                : category.empty() ? "HTTP " + std::to_string(http_status)
                                                   : category);
  using C = Status::Code;
  C code = C::kInternal;
  if (category == "bad_request") code = C::kInvalidArgument;
  if (category == "unknown_contact") code = C::kNotFound;
  if (category == "pad_exhausted") code = C::kExhausted;
  if (category == "denied") code = C::kDenied;
  if (category == "replay") code = C::kReplay;
  if (category == "integrity") code = C::kIntegrity;
  if (category == "too_large") code = C::kTooLarge;
  if (category == "unauthorized") {
    code = C::kDenied;
    text = "device refused the token (unauthorized): check --token-file";
  }
  return Status::Error(code, text);
}

Result<std::unique_ptr<HttpDeviceClient>> HttpDeviceClient::Create(const Endpoint& endpoint,
                                                                   std::string token,
                                                                   DeviceClientOptions options) {
  if (endpoint.tls) {
    return Status::Unsupported(
        "https devices are not supported by this build: use unix:PATH, "
        "or http:// on a cable you trust with --token-file");
  }
  return std::unique_ptr<HttpDeviceClient>(
      new HttpDeviceClient(ConnectAddress(endpoint), std::move(token), options));
}

HttpDeviceClient::~HttpDeviceClient() { WipeString(token_); }

Result<json> HttpDeviceClient::Call(http::Verb verb, const std::string& target, std::string body,
                                    std::chrono::milliseconds timeout) {
  Result<http::Response> resp =
      connection_.Exchange(verb, target, std::move(body), token_, timeout);
  if (!resp.ok()) return resp.status();
  int status = static_cast<int>(resp->result_int());
  std::string& text = resp->body();
  if (status < 200 || status > 299) {
    Status s = DeviceErrorStatus(status, text);
    WipeString(text);
    return s;
  }
  json j = json::parse(text, nullptr, false);
  WipeString(text);
  if (!j.is_object()) return BadReply("not a JSON object");
  return j;
}

Result<PackageResult> HttpDeviceClient::Package(const std::string& to, std::string_view message) {
  // Text that is not UTF-8 cannot be a JSON string: it goes as message_b64.
  json req = {{"to", to}};
  if (IsValidUtf8(message)) {
    req["message"] = std::string(message);
  } else {
    req["message_b64"] = Base64Encode(AsBytes(message));
  }
  std::string body = req.dump();
  for (auto& [key, value] : req.items()) {
    if (value.is_string()) WipeString(value.get_ref<std::string&>());
  }
  Result<json> j = Call(http::Verb::post, "/v1/package", std::move(body), options_.use_timeout);
  if (!j.ok()) return j.status();
  PackageResult r;
  auto p = j->find("package");
  if (p == j->end() || !p->is_string()) return BadReply("no package");
  r.package_b64 = p->get<std::string>();
  Result<uint64_t> index = GetU64(*j, "index");
  Result<uint64_t> left = GetU64(*j, "pad_left");
  if (!index.ok()) return index.status();
  if (!left.ok()) return left.status();
  r.index = *index;
  r.pad_left = *left;
  if (auto low = j->find("pad_low"); low != j->end() && low->is_boolean()) {
    r.pad_low = low->get<bool>();
  }
  return r;
}

Result<UnpackageResult> HttpDeviceClient::Unpackage(const std::string& from,
                                                    const std::string& package_b64) {
  json req = {{"from", from}, {"package", package_b64}};
  Result<json> j = Call(http::Verb::post, "/v1/unpackage", req.dump(), options_.use_timeout);
  if (!j.ok()) return j.status();
  UnpackageResult r;
  if (auto m = j->find("message"); m != j->end() && m->is_string()) {
    r.message = m->get<std::string>();
    WipeString(m->get_ref<std::string&>());
  } else if (auto b = j->find("message_b64"); b != j->end() && b->is_string()) {
    Result<std::vector<uint8_t>> bytes = Base64Decode(b->get<std::string>());
    if (!bytes.ok()) return BadReply("bad message_b64");
    r.message.assign(bytes->begin(), bytes->end());
    Wipe(*bytes);
    WipeString(b->get_ref<std::string&>());
  } else {
    return BadReply("no message");
  }
  Result<uint64_t> index = GetU64(*j, "index");
  if (!index.ok()) {
    WipeString(r.message);
    return index.status();
  }
  r.index = *index;
  if (auto s = j->find("skipped"); s != j->end() && s->is_boolean()) r.skipped = s->get<bool>();
  if (auto l = j->find("late"); l != j->end() && l->is_boolean()) r.late = l->get<bool>();
  return r;
}

Result<std::vector<ContactInfo>> HttpDeviceClient::Contacts() {
  Result<json> j = Call(http::Verb::get, "/v1/contacts", "", options_.timeout);
  if (!j.ok()) return j.status();
  auto list = j->find("contacts");
  if (list == j->end() || !list->is_array()) return BadReply("no contacts");
  std::vector<ContactInfo> out;
  for (const json& c : *list) {
    if (!c.is_object() || !c.contains("peer") || !c["peer"].is_string()) {
      return BadReply("contact without peer");
    }
    ContactInfo info;
    info.peer = c["peer"].get<std::string>();
    if (c.contains("protocol") && c["protocol"].is_string()) info.protocol = c["protocol"];
    if (auto v = GetU64(c, "pad_left"); v.ok()) info.pad_left = *v;
    if (auto v = GetU64(c, "pad_total"); v.ok()) info.pad_total = *v;
    if (auto v = GetU64(c, "messages_left"); v.ok()) info.messages_left = *v;
    out.push_back(std::move(info));
  }
  return out;
}

Result<std::string> HttpDeviceClient::Health() {
  Result<json> j = Call(http::Verb::get, "/v1/health", "", options_.timeout);
  if (!j.ok()) return j.status();
  auto owner = j->find("owner");
  if (owner == j->end() || !owner->is_string()) return BadReply("no owner");
  return owner->get<std::string>();
}

Result<uint64_t> HttpDeviceClient::GetCursor(const std::string& relay) {
  Result<json> j =
      Call(http::Verb::get, "/v1/cursor?relay=" + http::PercentEncode(relay), "", options_.timeout);
  if (!j.ok()) return j.status();
  return GetU64(*j, "cursor");
}

Status HttpDeviceClient::PutCursor(const std::string& relay, uint64_t next_ref) {
  json req = {{"cursor", next_ref}};
  Result<json> j = Call(http::Verb::put, "/v1/cursor?relay=" + http::PercentEncode(relay),
                        req.dump(), options_.timeout);
  return j.ok() ? Status::Ok() : j.status();
}

}  // namespace otc::client
