// JSON and form helpers for otc's HTTP endpoints.
//
// Errors returned to a remote client are a JSON object naming a stable category and a
// short human message, never internals:
//
//   HTTP/1.1 400 Bad Request
//   Content-Type: application/json
//
//   {"error":"invalid_uid","message":"recipient_uid must match [a-z0-9_.-]{1,64}"}
//
// Request fields arrive either as a JSON object body (Content-Type: application/json),
// as an application/x-www-form-urlencoded body, or in the query string. Parsing is strict:
// a malformed percent escape, a repeated field, a JSON body that is not an object, or one
// nested more than kMaxJsonDepth deep is an error, never silently repaired.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "common/http/types.h"
#include "common/status.h"

namespace otc::http {

inline constexpr int kMaxJsonDepth = 32;

// Deepest nesting of objects/arrays in `text`, counting only brackets outside strings.
// Cheap enough to run before parsing, so a hostile "[[[[..." never reaches the parser.
int JsonDepth(std::string_view text);

// A response with `body` serialized as JSON and Content-Type: application/json.
Response JsonResponse(HttpStatus status, const nlohmann::json& body);

// {"error":"<category>","message":"<message>"} with the given status.
Response JsonError(HttpStatus status, std::string_view category, std::string_view message);

// The path and query parts of a request target ("/a/b?x=1" -> "/a/b", "x=1").
struct Target {
  std::string_view path;
  std::string_view query;
};
Target SplitTarget(std::string_view target);

// Decodes %XX escapes (and '+' as a space when plus_as_space). A '%' not followed by two
// hex digits is InvalidArgument.
Result<std::string> PercentDecode(std::string_view text, bool plus_as_space);

// The counterpart of PercentDecode for building queries and form bodies: keeps
// [A-Za-z0-9-._~] and escapes every other byte as %XX.
std::string PercentEncode(std::string_view text);

// Ordered field name -> value.
using Fields = std::map<std::string, std::string, std::less<>>;

// Parses "a=1&b=x%20y" (application/x-www-form-urlencoded rules, which query strings
// follow too). Empty segments are skipped; a field without '=' has an empty value; a
// repeated field name is InvalidArgument.
Result<Fields> ParseQuery(std::string_view query);

// The request's body fields as a JSON object: a JSON body must be an object; a form body
// becomes an object of strings; an empty body is an empty object. Without a Content-Type
// a body starting with '{' is taken as JSON, anything else as a form. Any other
// Content-Type is Unsupported; malformed input is InvalidArgument.
Result<nlohmann::json> ParseBodyFields(const Request& request);

}  // namespace otc::http
