#include "common/http/json_util.h"

#include <set>

#include <boost/beast/core/string.hpp>

namespace otc::http {

namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string_view TrimLeft(std::string_view s) {
  while (!s.empty() &&
         (s.front() == ' ' || s.front() == '\t' || s.front() == '\r' || s.front() == '\n')) {
    s.remove_prefix(1);
  }
  return s;
}

}  // namespace

int JsonDepth(std::string_view text) {
  int depth = 0, max_depth = 0;
  bool in_string = false, escaped = false;
  for (char c : text) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      max_depth = std::max(max_depth, ++depth);
    } else if (c == '}' || c == ']') {
      --depth;
    }
  }
  return max_depth;
}

Response JsonResponse(HttpStatus status, const nlohmann::json& body) {
  Response response(status, 11);
  response.set(Field::content_type, "application/json");
  // Replace invalid UTF-8 instead of throwing: echoed input must never crash a handler.
  response.body() = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  response.body().push_back('\n');
  response.prepare_payload();
  return response;
}

Response JsonError(HttpStatus status, std::string_view category, std::string_view message) {
  return JsonResponse(status, {{"error", category}, {"message", message}});
}

Target SplitTarget(std::string_view target) {
  size_t q = target.find('?');
  if (q == std::string_view::npos) return {target, {}};
  return {target.substr(0, q), target.substr(q + 1)};
}

Result<std::string> PercentDecode(std::string_view text, bool plus_as_space) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '%') {
      if (i + 2 >= text.size()) {
        return Status::InvalidArgument("truncated percent escape");
      }
      int hi = HexValue(text[i + 1]), lo = HexValue(text[i + 2]);
      if (hi < 0 || lo < 0) return Status::InvalidArgument("malformed percent escape");
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else if (c == '+' && plus_as_space) {
      out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::string PercentEncode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (unsigned char c : text) {
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '.' || c == '_' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

Result<Fields> ParseQuery(std::string_view query) {
  Fields fields;
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (pair.empty()) continue;
    size_t eq = pair.find('=');
    std::string_view raw_name = pair.substr(0, eq);
    std::string_view raw_value =
        eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1);
    Result<std::string> name = PercentDecode(raw_name, true);
    if (!name.ok()) return name.status();
    Result<std::string> value = PercentDecode(raw_value, true);
    if (!value.ok())
      return Status::InvalidArgument("field '" + *name + "': " + value.status().message());
    if (name->empty()) return Status::InvalidArgument("field with an empty name");
    if (!fields.emplace(std::move(*name), std::move(*value)).second) {
      return Status::InvalidArgument("field '" + std::string(raw_name) + "' given twice");
    }
  }
  return fields;
}

Result<nlohmann::json> ParseBodyFields(const Request& request) {
  const std::string& body = request.body();
  std::string_view type = ToStd(request[Field::content_type]);
  type = type.substr(0, type.find(';'));
  while (!type.empty() && (type.back() == ' ' || type.back() == '\t')) type.remove_suffix(1);

  bool json;
  if (type.empty()) {
    if (TrimLeft(body).empty()) return nlohmann::json::object();
    json = TrimLeft(body).starts_with('{');
  } else if (boost::beast::iequals(boost::beast::string_view(type.data(), type.size()),
                                   "application/json")) {
    json = true;
  } else if (boost::beast::iequals(boost::beast::string_view(type.data(), type.size()),
                                   "application/x-www-form-urlencoded")) {
    json = false;
  } else {
    return Status::Unsupported(
        "Content-Type must be application/json or "
        "application/x-www-form-urlencoded");
  }

  if (!json) {
    Result<Fields> fields = ParseQuery(body);
    if (!fields.ok()) return fields.status();
    nlohmann::json out = nlohmann::json::object();
    for (auto& [name, value] : *fields) out[name] = value;
    return out;
  }
  if (TrimLeft(body).empty()) return nlohmann::json::object();
  if (JsonDepth(body) > kMaxJsonDepth) {
    return Status::InvalidArgument("JSON nested deeper than " + std::to_string(kMaxJsonDepth));
  }
  // nlohmann keeps the last of repeated keys; a top-level repeat is rejected instead, as
  // for forms, so a field cannot mean one thing to a proxy and another to the handler.
  std::set<std::string, std::less<>> seen;
  std::string repeated;
  auto on_event = [&](int depth, nlohmann::json::parse_event_t event, nlohmann::json& parsed) {
    if (event == nlohmann::json::parse_event_t::key && depth == 1 && parsed.is_string() &&
        !seen.insert(parsed.get<std::string>()).second && repeated.empty()) {
      repeated = parsed.get<std::string>();
    }
    return true;
  };
  nlohmann::json parsed = nlohmann::json::parse(body, on_event, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) return Status::InvalidArgument("body is not valid JSON");
  if (!parsed.is_object()) return Status::InvalidArgument("JSON body must be an object");
  if (!repeated.empty()) {
    return Status::InvalidArgument("field '" + repeated + "' given twice");
  }
  return parsed;
}

}  // namespace otc::http
