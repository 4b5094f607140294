#include "chat/rpc/device_rpc.h"

#include "chat/rpc/error_category.h"

#include <algorithm>
#include <limits>
#include <nlohmann/json.hpp>

#include "common/encoding.h"
#include "common/http/json_util.h"
#include "common/secret_buffer.h"

namespace otc::rpc {
namespace {

using nlohmann::json;

// Wipes every string inside a parsed document (the request may carry plaintext).
void WipeJson(json& j) {
  if (j.is_string()) {
    WipeString(j.get_ref<std::string&>());
  } else if (j.is_structured()) {
    for (auto& item : j) WipeJson(item);
  }
}

// A parsed request object with its strings wiped when it goes away.
struct ParsedObject {
  json doc;
  ~ParsedObject() { WipeJson(doc); }
};

constexpr int kMaxDepth = 4;

// Parses `body` as one JSON object whose keys are all in `allowed`, each at most once.
Status ParseObject(std::string_view body, std::initializer_list<std::string_view> allowed,
                   ParsedObject* out) {
  if (http::JsonDepth(body) > kMaxDepth)
    return Status::InvalidArgument("the body is nested too deeply");
  std::vector<std::string> seen;
  bool duplicate = false;
  auto callback = [&](int depth, json::parse_event_t event, json& parsed) {
    if (depth == 1 && event == json::parse_event_t::key) {
      const auto& key = parsed.get_ref<const std::string&>();
      if (std::find(seen.begin(), seen.end(), key) != seen.end()) duplicate = true;
      seen.push_back(key);
    }
    return true;
  };
  out->doc = json::parse(body.begin(), body.end(), callback, /*allow_exceptions=*/false);
  if (out->doc.is_discarded()) return Status::InvalidArgument("the body is not valid JSON");
  if (!out->doc.is_object()) return Status::InvalidArgument("the body must be a JSON object");
  if (duplicate) return Status::InvalidArgument("the body repeats a field");
  for (const auto& item : out->doc.items()) {
    if (std::find(allowed.begin(), allowed.end(), item.key()) == allowed.end()) {
      std::string key = item.key().substr(0, 64);
      for (char& c : key) {
        if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) > 0x7e) c = '?';
      }
      return Status::InvalidArgument("unknown field \"" + key + "\"");
    }
  }
  return Status::Ok();
}

Result<std::string> GetString(const json& doc, const char* field, bool required = true) {
  auto it = doc.find(field);
  if (it == doc.end()) {
    if (!required) return std::string();
    return Status::InvalidArgument(std::string("missing field \"") + field + "\"");
  }
  if (!it->is_string()) {
    return Status::InvalidArgument(std::string("field \"") + field + "\" must be a string");
  }
  return it->get<std::string>();
}

Status CheckUidField(const std::string& uid, const char* field) {
  if (!IsValidUid(uid)) {
    return Status::InvalidArgument(std::string("field \"") + field +
                                   "\" is not a valid uid ([a-z0-9_.-]{1,64})");
  }
  return Status::Ok();
}

uint64_t Base64Length(uint64_t bytes) { return 4 * ((bytes + 2) / 3); }

void AppendEscaped(std::string& out, std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  for (char ch : text) {
    auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20 || c == 0x7f) {
          out += "\\u00";
          out += kHex[c >> 4];
          out += kHex[c & 15];
        } else {
          out += ch;
        }
    }
  }
}

void AppendString(std::string& out, std::string_view text) {
  out += '"';
  AppendEscaped(out, text);
  out += '"';
}

}  // namespace

bool IsValidUid(std::string_view uid) {
  if (uid.empty() || uid.size() > 64 || uid == "." || uid == "..") return false;
  return std::all_of(uid.begin(), uid.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
  });
}

Status ValidateRelayKey(std::string_view relay) {
  if (relay.empty()) return Status::InvalidArgument("missing query parameter relay=URL");
  if (relay.size() > 2048) return Status::InvalidArgument("relay URL longer than 2048 characters");
  for (char c : relay) {
    if (c < 0x21 || c > 0x7e) {
      return Status::InvalidArgument("relay URL must be printable ASCII without spaces");
    }
  }
  return Status::Ok();
}

bool IsValidUtf8(std::span<const uint8_t> s) {
  size_t i = 0;
  while (i < s.size()) {
    uint8_t c = s[i];
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t len;
    uint32_t cp;
    if ((c & 0xe0) == 0xc0) {
      len = 2;
      cp = c & 0x1f;
    } else if ((c & 0xf0) == 0xe0) {
      len = 3;
      cp = c & 0x0f;
    } else if ((c & 0xf8) == 0xf0) {
      len = 4;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (i + len > s.size()) return false;
    for (size_t k = 1; k < len; ++k) {
      if ((s[i + k] & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (s[i + k] & 0x3f);
    }
    static constexpr uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < kMin[len] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
    i += len;
  }
  return true;
}

Result<PackageRequest> ParsePackageRequest(std::string_view body, const SchemaLimits& limits) {
  ParsedObject parsed;
  Status s = ParseObject(body, {"to", "message", "message_b64"}, &parsed);
  if (!s.ok()) return s;
  const json& doc = parsed.doc;
  auto to = GetString(doc, "to");
  if (!to.ok()) return to.status();
  s = CheckUidField(*to, "to");
  if (!s.ok()) return s;
  const bool has_text = doc.contains("message");
  const bool has_b64 = doc.contains("message_b64");
  if (has_text == has_b64) {
    return Status::InvalidArgument("give exactly one of \"message\" and \"message_b64\"");
  }
  PackageRequest request;
  request.to = std::move(*to);
  const char* field = has_text ? "message" : "message_b64";
  auto it = doc.find(field);
  if (!it->is_string()) {
    return Status::InvalidArgument(std::string("field \"") + field + "\" must be a string");
  }
  const std::string& value = it->get_ref<const std::string&>();
  if (has_text) {
    if (value.size() > limits.max_message) {
      return Status::TooLarge("message of " + std::to_string(value.size()) +
                              " bytes is over the limit of " + std::to_string(limits.max_message));
    }
    request.message.Resize(value.size());
    std::copy(value.begin(), value.end(), request.message.data());
  } else {
    if (value.size() > Base64Length(limits.max_message)) {
      return Status::TooLarge("message_b64 is over the limit of " +
                              std::to_string(limits.max_message) + " bytes");
    }
    auto decoded = Base64Decode(value);
    if (!decoded.ok()) return Status::InvalidArgument("field \"message_b64\" is not valid base64");
    if (decoded->size() > limits.max_message) {
      Wipe(*decoded);
      return Status::TooLarge("message is over the limit of " + std::to_string(limits.max_message) +
                              " bytes");
    }
    request.message.Resize(decoded->size());
    std::copy(decoded->begin(), decoded->end(), request.message.data());
    Wipe(*decoded);
  }
  return request;
}

Result<UnpackageRequest> ParseUnpackageRequest(std::string_view body, const SchemaLimits& limits) {
  ParsedObject parsed;
  Status s = ParseObject(body, {"from", "package"}, &parsed);
  if (!s.ok()) return s;
  auto from = GetString(parsed.doc, "from");
  if (!from.ok()) return from.status();
  s = CheckUidField(*from, "from");
  if (!s.ok()) return s;
  auto text = GetString(parsed.doc, "package");
  if (!text.ok()) return text.status();
  if (text->size() > Base64Length(limits.max_package)) {
    return Status::TooLarge("package is over the limit of " + std::to_string(limits.max_package) +
                            " bytes");
  }
  auto decoded = Base64Decode(*text);
  if (!decoded.ok()) return Status::InvalidArgument("field \"package\" is not valid base64");
  if (decoded->size() > limits.max_package) {
    return Status::TooLarge("package is over the limit of " + std::to_string(limits.max_package) +
                            " bytes");
  }
  UnpackageRequest request;
  request.from = std::move(*from);
  request.package = std::move(*decoded);
  return request;
}

Result<uint64_t> ParseCursorRequest(std::string_view body) {
  ParsedObject parsed;
  Status s = ParseObject(body, {"cursor"}, &parsed);
  if (!s.ok()) return s;
  auto it = parsed.doc.find("cursor");
  if (it == parsed.doc.end()) return Status::InvalidArgument("missing field \"cursor\"");
  if (!it->is_number_unsigned()) {
    return Status::InvalidArgument("field \"cursor\" must be an unsigned integer");
  }
  return it->get<uint64_t>();
}

std::string EncodePackageReply(const PackageReply& reply) {
  std::string out = "{\"package\":";
  AppendString(out, reply.package_b64);
  out += ",\"index\":" + std::to_string(reply.index) +
         ",\"pad_left\":" + std::to_string(reply.pad_left) +
         ",\"pad_total\":" + std::to_string(reply.pad_total) +
         ",\"pad_low\":" + (reply.pad_low ? "true" : "false") +
         ",\"messages_left\":" + std::to_string(reply.messages_left) + "}";
  return out;
}

std::string EncodeUnpackageReply(std::span<const uint8_t> plaintext, const UnpackageReply& facts) {
  std::string out;
  out.reserve(plaintext.size() * 2 + 80);
  if (IsValidUtf8(plaintext)) {
    out += "{\"message\":";
    AppendString(out, AsChars(plaintext));
  } else {
    std::string b64 = Base64Encode(plaintext);
    out += "{\"message_b64\":\"" + b64 + "\"";
    WipeString(b64);
  }
  out += ",\"index\":" + std::to_string(facts.index) +
         ",\"skipped\":" + (facts.skipped ? "true" : "false") +
         ",\"late\":" + (facts.late ? "true" : "false");
  if (facts.sent_ms) out += ",\"sent\":" + std::to_string(*facts.sent_ms);
  if (facts.rollback) out += ",\"rollback\":true";
  if (facts.control) out += ",\"control\":true";
  if (!facts.reply_package_b64.empty()) {
    out += ",\"reply_package\":\"" + facts.reply_package_b64 + "\"";
  }
  out += facts.already_read ? ",\"already_read\":true}" : "}";
  return out;
}

std::string EncodeCursorReply(std::string_view relay, uint64_t cursor) {
  std::string out = "{\"relay\":";
  AppendString(out, relay);
  out += ",\"cursor\":" + std::to_string(cursor) + "}";
  return out;
}

std::string EncodeHealthReply(std::string_view owner) {
  std::string out = "{\"status\":\"ok\",\"owner\":";
  AppendString(out, owner);
  out += "}";
  return out;
}

std::string EncodeContactsReply(std::string_view owner, const std::vector<ContactInfo>& contacts) {
  std::string out = "{\"owner\":";
  AppendString(out, owner);
  out += ",\"contacts\":[";
  bool first = true;
  for (const auto& c : contacts) {
    if (!first) out += ',';
    first = false;
    out += "{\"peer\":";
    AppendString(out, c.peer);
    out += ",\"protocol\":";
    AppendString(out, FormatName(c.format));
    out += ",\"pad_left\":" + std::to_string(c.pad_left) +
           ",\"pad_total\":" + std::to_string(c.pad_total) +
           ",\"messages_left\":" + std::to_string(c.messages_left) +
           ",\"generations\":" + std::to_string(c.generations) +
           ",\"generation\":" + std::to_string(c.generation) + "}";
  }
  out += "]}";
  return out;
}

std::string EncodeErrorReply(std::string_view category, std::string_view message) {
  std::string out = "{\"error\":";
  AppendString(out, category);
  out += ",\"message\":";
  AppendString(out, message);
  out += "}";
  return out;
}

// --- the client's side ------------------------------------------------------------------

namespace {

Status BadReply(std::string_view what) {
  return Status::Internal("device sent an unexpected reply (" + std::string(what) + ")");
}

// A reply body as a JSON object whose strings are wiped when it goes away.
Result<ParsedObject> ParseReplyObject(std::string_view body) {
  ParsedObject parsed;
  parsed.doc = json::parse(body.begin(), body.end(), nullptr, /*allow_exceptions=*/false);
  if (!parsed.doc.is_object()) return BadReply("not a JSON object");
  return parsed;
}

Result<uint64_t> ReplyU64(const json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_number_unsigned()) return BadReply(std::string("no ") + key);
  return it->get<uint64_t>();
}

Result<std::string> ReplyString(const json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_string()) return BadReply(std::string("no ") + key);
  return it->get<std::string>();
}

bool ReplyBool(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_boolean() && it->get<bool>();
}

}  // namespace

std::string EncodePackageRequest(std::string_view to, std::string_view message) {
  std::string out = "{\"to\":";
  AppendString(out, to);
  if (IsValidUtf8(AsBytes(message))) {
    out += ",\"message\":";
    AppendString(out, message);
  } else {
    std::string b64 = Base64Encode(AsBytes(message));
    out += ",\"message_b64\":\"" + b64 + "\"";
    WipeString(b64);
  }
  out += "}";
  return out;
}

std::string EncodeUnpackageRequest(std::string_view from, std::string_view package_b64) {
  std::string out = "{\"from\":";
  AppendString(out, from);
  out += ",\"package\":";
  AppendString(out, package_b64);
  out += "}";
  return out;
}

std::string EncodeCursorRequest(uint64_t cursor) {
  return "{\"cursor\":" + std::to_string(cursor) + "}";
}

Result<PackageReply> ParsePackageReply(std::string_view body) {
  Result<ParsedObject> j = ParseReplyObject(body);
  if (!j.ok()) return j.status();
  PackageReply r;
  Result<std::string> package = ReplyString(j->doc, "package");
  Result<uint64_t> index = ReplyU64(j->doc, "index");
  Result<uint64_t> left = ReplyU64(j->doc, "pad_left");
  Result<uint64_t> total = ReplyU64(j->doc, "pad_total");
  for (const Status& s : {package.status(), index.status(), left.status(), total.status()}) {
    if (!s.ok()) return s;
  }
  r.package_b64 = std::move(*package);
  r.index = *index;
  r.pad_left = *left;
  r.pad_total = *total;
  r.pad_low = ReplyBool(j->doc, "pad_low");
  if (j->doc.contains("messages_left")) {
    Result<uint64_t> messages = ReplyU64(j->doc, "messages_left");
    if (!messages.ok()) return messages.status();
    r.messages_left = *messages;
  }
  return r;
}

Result<UnpackageReply> ParseUnpackageReply(std::string_view body) {
  Result<ParsedObject> j = ParseReplyObject(body);
  if (!j.ok()) return j.status();
  UnpackageReply r;
  if (auto m = j->doc.find("message"); m != j->doc.end() && m->is_string()) {
    r.message = m->get<std::string>();
  } else if (auto b = j->doc.find("message_b64"); b != j->doc.end() && b->is_string()) {
    Result<std::vector<uint8_t>> bytes = Base64Decode(b->get_ref<const std::string&>());
    if (!bytes.ok()) return BadReply("bad message_b64");
    r.message.assign(bytes->begin(), bytes->end());
    Wipe(*bytes);
  } else {
    return BadReply("no message");
  }
  Result<uint64_t> index = ReplyU64(j->doc, "index");
  if (!index.ok()) {
    WipeString(r.message);
    return index.status();
  }
  r.index = *index;
  r.skipped = ReplyBool(j->doc, "skipped");
  r.late = ReplyBool(j->doc, "late");
  r.already_read = ReplyBool(j->doc, "already_read");
  r.rollback = ReplyBool(j->doc, "rollback");
  r.control = ReplyBool(j->doc, "control");
  if (auto reply = j->doc.find("reply_package"); reply != j->doc.end()) {
    if (!reply->is_string() || reply->get_ref<const std::string&>().empty() ||
        !Base64Decode(reply->get_ref<const std::string&>()).ok()) {
      WipeString(r.message);
      return BadReply("bad reply_package");
    }
    r.reply_package_b64 = reply->get<std::string>();
  }
  if (auto sent = j->doc.find("sent"); sent != j->doc.end()) {
    const bool fits = sent->is_number_integer() &&
                      (!sent->is_number_unsigned() ||
                       sent->get<uint64_t>() <= uint64_t{std::numeric_limits<int64_t>::max()});
    if (!fits) {
      WipeString(r.message);
      return BadReply("bad sent");
    }
    r.sent_ms = sent->get<int64_t>();
  }
  return r;
}

Result<std::vector<ContactInfo>> ParseContactsReply(std::string_view body) {
  Result<ParsedObject> j = ParseReplyObject(body);
  if (!j.ok()) return j.status();
  auto list = j->doc.find("contacts");
  if (list == j->doc.end() || !list->is_array()) return BadReply("no contacts");
  std::vector<ContactInfo> out;
  for (const json& c : *list) {
    if (!c.is_object()) return BadReply("contact is not an object");
    Result<std::string> peer = ReplyString(c, "peer");
    Result<std::string> format = ReplyString(c, "protocol");
    if (!peer.ok()) return peer.status();
    if (!format.ok()) return format.status();
    Result<Format> parsed = ParseFormat(*format);
    if (!parsed.ok()) return BadReply("unknown protocol");
    ContactInfo info;
    info.peer = std::move(*peer);
    info.format = *parsed;
    Result<uint64_t> left = ReplyU64(c, "pad_left");
    Result<uint64_t> total = ReplyU64(c, "pad_total");
    Result<uint64_t> messages = ReplyU64(c, "messages_left");
    for (const Status& s : {left.status(), total.status(), messages.status()}) {
      if (!s.ok()) return s;
    }
    info.pad_left = *left;
    info.pad_total = *total;
    info.messages_left = *messages;
    // Older devices do not say: one pad, generation 0.
    for (auto [key, field] :
         {std::pair{"generations", &info.generations}, std::pair{"generation", &info.generation}}) {
      if (!c.contains(key)) continue;
      Result<uint64_t> v = ReplyU64(c, key);
      if (!v.ok()) return v.status();
      if (*v > kMaxGeneration + 1u) return BadReply(std::string("bad ") + key);
      *field = static_cast<uint32_t>(*v);
    }
    out.push_back(std::move(info));
  }
  return out;
}

Result<std::string> ParseHealthReply(std::string_view body) {
  Result<ParsedObject> j = ParseReplyObject(body);
  if (!j.ok()) return j.status();
  return ReplyString(j->doc, "owner");
}

Result<uint64_t> ParseCursorReply(std::string_view body) {
  Result<ParsedObject> j = ParseReplyObject(body);
  if (!j.ok()) return j.status();
  return ReplyU64(j->doc, "cursor");
}

Status ParseErrorReply(int http_status, std::string_view body) {
  std::string category;
  std::string message;
  json j = json::parse(body, nullptr, false);
  if (j.is_object() && j.contains("error") && j["error"].is_string()) {
    category = j["error"].get<std::string>();
    if (j.contains("message") && j["message"].is_string()) message = j["message"];
  }
  if (message.size() > 200) message.resize(200);
  ErrorCategory parsed = ErrorCategory::kInternal;
  const bool known = ParseCategory(category, &parsed);
  if (parsed == ErrorCategory::kUnauthorized) {
    return Status::Denied("device refused the token (unauthorized): check --token-file");
  }
  // One prefix and the device's own words when it sent any (the category is the status
  // code); only a known category name is echoed: the device may be replaced by anything.
  std::string text = "the device refused: " + (!message.empty() ? message
                                               : known          ? category
                                                       : "HTTP " + std::to_string(http_status));
  return Status::Error(StatusCodeFor(parsed), text);
}

}  // namespace otc::rpc
