// The device RPC, defined once: request and reply types and their JSON, for both ends.
//
// The device (chat/device) parses requests and encodes replies; the client
// (chat/client/device_client.cc) encodes requests and parses replies. This library links
// no pad storage, so the client can use it and still never read pad.
//
// Requests (JSON objects; the device rejects unknown, duplicate or mistyped fields):
//   POST /v1/package    {"to":"bob","message":"<utf-8>"}  or  {"to":"bob","message_b64":"<b64>"}
//   POST /v1/unpackage  {"from":"alice","package":"<base64>"}
//   PUT  /v1/cursor?relay=URL   {"cursor":N}        (N: unsigned 64-bit integer)
// Replies:
//   package    {"package":"<base64>","index":N,"pad_left":BYTES,"pad_total":BYTES,
//               "pad_low":bool,"messages_left":M}   (own half over every pad generation
//               the device holds for the contact: bytes left, bytes in all; pad_low: under
//               1% of it is left, time for a new pad; M estimated for 100-byte messages,
//               absent from older devices; N's top 16 bits are the pad generation)
//   unpackage  {"message":"<utf-8>","index":N,"skipped":bool,"late":bool}
//              (+ "sent":MS when the package carried the sender's clock: signed
//               milliseconds since the Unix epoch, as the sender's device read it;
//               + "rollback":true when the package's witness showed that this device's
//               store had been rolled back, and the device moved past the pad in question)
//              ("message_b64" instead of "message" when the plaintext is not valid UTF-8;
//               skipped: never-seen pad lies before this package, messages may be lost;
//               late: the package lies behind pad already decrypted, it arrived out of
//               order and fills a gap; "already_read":true, with an empty message, when
//               this exact package was decrypted before, for another client of this
//               account: not a replay alarm)
//   contacts   {"owner":U,"contacts":[{"peer":U,"protocol":"otc2","pad_left":B,
//               "pad_total":B,"messages_left":M,"generations":G,"generation":N},...]}
//               (M estimated for 100-byte messages; B over every pad generation held; G
//               generations held, N the one new messages use)
//   health     {"status":"ok","owner":U}
//   cursor     {"relay":URL,"cursor":N}    (0 when none was stored)
//   error      {"error":"<category>","message":"<text for a human>"}  (error_category.h)
// uids are [a-z0-9_.-]{1,64}, not "." or "..". Base64 is strict (RFC 4648 with padding).
//
// Device-side parse errors: kInvalidArgument (-> bad_request) for malformed input,
// kTooLarge (-> too_large) for a message or package over the limit. Messages name the
// field, never its contents. Client-side parse errors are kInternal ("device sent an
// unexpected reply").
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/pad_vocabulary.h"
#include "common/secret_buffer.h"
#include "common/status.h"

namespace otc::rpc {

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

struct PackageReply {
  std::string package_b64;
  uint64_t index = 0;      // the package's pad index
  uint64_t pad_left = 0;   // own pad bytes left towards the recipient afterwards
  uint64_t pad_total = 0;  // own half, bytes in all (for percentages)
  bool pad_low = false;    // under 1% of the own half is left
  // Estimated 100-byte messages that still fit (chat/protocol/pad_left.h); 0 when an
  // older device did not say.
  uint64_t messages_left = 0;
};

struct UnpackageReply {
  std::string message;  // plaintext (UTF-8 or binary as sent); the holder wipes it
  uint64_t index = 0;
  bool skipped = false;  // never-seen pad lies before this package
  bool late = false;     // behind pad already decrypted: out of order, fills a gap
  // This exact package was decrypted before, for another client of this account: no
  // message (empty), not a replay alarm.
  bool already_read = false;
  // The sender's clock when it packaged the message (ms since the Unix epoch), if the
  // package carried it (otc2 envelope).
  std::optional<int64_t> sent_ms;
  // The package's witness proved this device's store was rolled back (a restored
  // snapshot): the device moved its own pad position past what the peer has seen.
  bool rollback = false;
  // A control package (moving the split, envelope.h): no message; never show it.
  bool control = false;
  // A control package the device made in answer (it granted the sender pad): the client
  // sends it to the sender like any package, and never shows it. Empty when none.
  std::string reply_package_b64 = {};
};

struct ContactInfo {
  std::string peer;
  Format format = Format::kOtc2;
  uint64_t pad_left = 0;       // own half, bytes left
  uint64_t pad_total = 0;      // own half, bytes in all
  uint64_t messages_left = 0;  // estimated for 100-byte messages
  // Pad generations the device holds for the contact (a renewal adds one), and the one
  // new messages use. Absent from older devices: 1 and 0.
  uint32_t generations = 1;
  uint32_t generation = 0;
};

// --- the device's side -----------------------------------------------------------------

// `body` holds plaintext: the parser's copies are wiped; the caller wipes `body`.
Result<PackageRequest> ParsePackageRequest(std::string_view body, const SchemaLimits& limits);
Result<UnpackageRequest> ParseUnpackageRequest(std::string_view body, const SchemaLimits& limits);
Result<uint64_t> ParseCursorRequest(std::string_view body);

std::string EncodePackageReply(const PackageReply& reply);
// `facts` gives index, skipped and late (its message is ignored). The reply holds
// plaintext: the caller wipes it after sending.
std::string EncodeUnpackageReply(std::span<const uint8_t> plaintext, const UnpackageReply& facts);
std::string EncodeContactsReply(std::string_view owner, const std::vector<ContactInfo>& contacts);
std::string EncodeCursorReply(std::string_view relay, uint64_t cursor);
std::string EncodeHealthReply(std::string_view owner);
std::string EncodeErrorReply(std::string_view category, std::string_view message);

// --- the client's side -----------------------------------------------------------------

// Text that is not UTF-8 cannot be a JSON string: it goes as message_b64. The body holds
// plaintext: the caller wipes it after sending.
std::string EncodePackageRequest(std::string_view to, std::string_view message);
std::string EncodeUnpackageRequest(std::string_view from, std::string_view package_b64);
std::string EncodeCursorRequest(uint64_t cursor);

// `body` may hold plaintext: the parsers wipe their copies; the caller wipes `body`.
Result<PackageReply> ParsePackageReply(std::string_view body);
Result<UnpackageReply> ParseUnpackageReply(std::string_view body);
Result<std::vector<ContactInfo>> ParseContactsReply(std::string_view body);
Result<std::string> ParseHealthReply(std::string_view body);
Result<uint64_t> ParseCursorReply(std::string_view body);
// The Status for an error reply: its category's code (error_category.h StatusCodeFor),
// with the device's message. A body that is no error reply gives kInternal naming the
// HTTP status.
Status ParseErrorReply(int http_status, std::string_view body);

// --- shared checks ----------------------------------------------------------------------

// uid syntax shared with padstore: [a-z0-9_.-]{1,64}, not "." or "..".
bool IsValidUid(std::string_view uid);
// A relay URL used as a cursor key: 1..2048 printable ASCII characters.
Status ValidateRelayKey(std::string_view relay);
bool IsValidUtf8(std::span<const uint8_t> bytes);

}  // namespace otc::rpc
