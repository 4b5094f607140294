#include "chat/device/rpc_schema.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "common/encoding.h"
#include "common/http/json_util.h"
#include "common/secret_buffer.h"

namespace otc::device {
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

std::string PackageReply(std::span<const uint8_t> package, uint64_t index, uint64_t pad_left,
                         bool pad_low) {
  std::string out = "{\"package\":\"";
  out += Base64Encode(package);
  out += "\",\"index\":" + std::to_string(index) + ",\"pad_left\":" + std::to_string(pad_left) +
         ",\"pad_low\":" + (pad_low ? "true" : "false") + "}";
  return out;
}

std::string UnpackageReply(std::span<const uint8_t> plaintext, uint64_t index, bool skipped) {
  std::string out;
  out.reserve(plaintext.size() * 2 + 64);
  if (IsValidUtf8(plaintext)) {
    out += "{\"message\":";
    AppendString(out, AsChars(plaintext));
  } else {
    std::string b64 = Base64Encode(plaintext);
    out += "{\"message_b64\":\"" + b64 + "\"";
    WipeString(b64);
  }
  out +=
      ",\"index\":" + std::to_string(index) + ",\"skipped\":" + (skipped ? "true" : "false") + "}";
  return out;
}

std::string CursorReply(std::string_view relay, uint64_t cursor) {
  std::string out = "{\"relay\":";
  AppendString(out, relay);
  out += ",\"cursor\":" + std::to_string(cursor) + "}";
  return out;
}

std::string HealthReply(std::string_view owner) {
  std::string out = "{\"status\":\"ok\",\"owner\":";
  AppendString(out, owner);
  out += "}";
  return out;
}

std::string ContactsReply(std::string_view owner, const std::vector<ContactInfo>& contacts) {
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
    AppendString(out, c.protocol);
    out += ",\"pad_left\":" + std::to_string(c.pad_left) +
           ",\"messages_left\":" + std::to_string(c.messages_left) + "}";
  }
  out += "]}";
  return out;
}

std::string ErrorReply(std::string_view category, std::string_view message) {
  std::string out = "{\"error\":";
  AppendString(out, category);
  out += ",\"message\":";
  AppendString(out, message);
  out += "}";
  return out;
}

}  // namespace otc::device
