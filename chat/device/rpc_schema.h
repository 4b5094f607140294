// Device RPC bodies: parsing and validating requests, building replies (pure functions).
//
// Requests (JSON objects; unknown, duplicate or mistyped fields are rejected):
//   POST /v1/package    {"to":"bob","message":"<utf-8>"}  or  {"to":"bob","message_b64":"<b64>"}
//   POST /v1/unpackage  {"from":"alice","package":"<base64>"}
//   PUT  /v1/cursor?relay=URL   {"cursor":N}        (N: unsigned 64-bit integer)
// Replies:
//   package    {"package":"<base64>","index":N,"pad_left":BYTES,"pad_low":bool}
//              (pad_low: under 1% of the own half is left; time for a new pad)
//   unpackage  {"message":"<utf-8>","index":N,"skipped":bool}  ("message_b64" instead of
//              "message" when the plaintext is not valid UTF-8)
//   contacts   {"owner":U,"contacts":[{"peer":U,"protocol":"otc2","pad_left":B,
//               "messages_left":M},...]}   (M estimated for 100-byte messages)
//   health     {"status":"ok","owner":U}
//   cursor     {"relay":URL,"cursor":N}    (0 when none was stored)
//   error      {"error":"<category>","message":"<text for a human>"}
// uids are [a-z0-9_.-]{1,64}, not "." or "..". Base64 is strict (RFC 4648 with padding).
//
// Error statuses: kInvalidArgument (→ bad_request) for malformed input, kTooLarge
// (→ too_large) for a message or package over the limit. Messages name the field, never
// its contents.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/secret_buffer.h"
#include "common/status.h"

namespace otc::device {

struct SchemaLimits {
  uint64_t max_message = 64 * 1024;             // plaintext bytes in a package request
  uint64_t max_package = 2 * 64 * 1024 + 4096;  // decoded package bytes in an unpackage request
};

struct PackageRequest {
  std::string to;
  SecretBuffer message;  // plaintext, wiped on destruction
};

struct UnpackageRequest {
  std::string from;
  std::vector<uint8_t> package;
};

// `body` holds plaintext: the parser's copies are wiped; the caller wipes `body`.
Result<PackageRequest> ParsePackageRequest(std::string_view body, const SchemaLimits& limits);
Result<UnpackageRequest> ParseUnpackageRequest(std::string_view body, const SchemaLimits& limits);
Result<uint64_t> ParseCursorRequest(std::string_view body);

// uid syntax shared with padstore: [a-z0-9_.-]{1,64}, not "." or "..".
bool IsValidUid(std::string_view uid);
// A relay URL used as a cursor key: 1..2048 printable ASCII characters.
Status ValidateRelayKey(std::string_view relay);
bool IsValidUtf8(std::span<const uint8_t> bytes);

std::string PackageReply(std::span<const uint8_t> package, uint64_t index, uint64_t pad_left,
                         bool pad_low);
// The reply holds plaintext: the caller wipes it after sending.
std::string UnpackageReply(std::span<const uint8_t> plaintext, uint64_t index, bool skipped);
std::string CursorReply(std::string_view relay, uint64_t cursor);
std::string HealthReply(std::string_view owner);

struct ContactInfo {
  std::string peer;
  std::string protocol;  // "otc1" or "otc2"
  uint64_t pad_left = 0;
  uint64_t messages_left = 0;
};
std::string ContactsReply(std::string_view owner, const std::vector<ContactInfo>& contacts);

std::string ErrorReply(std::string_view category, std::string_view message);

}  // namespace otc::device
