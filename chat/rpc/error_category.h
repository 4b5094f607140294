// Error categories of the device RPC and of the offline CLI: one vocabulary end to end.
//
// The device turns a refusal into a category (CategoryFor), the RPC carries its name, and
// the client turns the name back into a Status code (StatusCodeFor) and reports it under
// the same name (`otc send --json` "error", ClientErrorName).
//
// Every failure the device reports to a client is one of a fixed set of categories; the
// internal Status message stays on the device (audit log / stderr of the daemon). The
// same category decides the HTTP status of an RPC reply and the exit code of
// `otc-device package|unpackage`:
//
//   category         HTTP  exit   meaning
//   (success)        200   0
//   internal         500   1      a bug, an I/O failure, a store in fail-stop state
//   bad_request      400   2      malformed request (JSON, types, fields, base64, package)
//   unknown_contact  404   3      no contact with that uid in the store
//   pad_exhausted    409   4      not enough own pad left for the message
//   denied           403   5      the device's user (or the policy) refused
//   replay           409   6      the package uses pad that was already decrypted
//   integrity        422   7      the tag does not verify: possible forgery
//   too_large        413   8      message, package or body over the limit
//   unauthorized     401   9      missing or wrong bearer token (TCP only)
//   (store in use)   -     10     CLI only: a daemon (or another process) holds the store
#pragma once

#include <string_view>

#include "common/cli/exit_codes.h"
#include "common/status.h"

namespace otc::rpc {

enum class ErrorCategory {
  kBadRequest,
  kUnknownContact,
  kPadExhausted,
  kDenied,
  kReplay,
  kIntegrity,
  kTooLarge,
  kUnauthorized,
  kInternal,
};

// Exit code of the CLI when the store is locked by another process (Status::Code::kBusy).
inline constexpr int kExitStoreInUse = cli::kExitInUse;

// The wire name: "bad_request", "unknown_contact", ...
std::string_view CategoryName(ErrorCategory category);
// Inverse of CategoryName; false if `name` is not a category.
bool ParseCategory(std::string_view name, ErrorCategory* out);

// The category a Status code is reported as. Codes that describe the device's own state
// (I/O errors, corruption, fail-stop, busy, ...) are all `internal`: a client learns only
// that the device could not serve it. Must not be called with kOk.
ErrorCategory CategoryFor(Status::Code code);

// HTTP status code of an error reply in this category.
int HttpStatus(ErrorCategory category);

// CLI exit code for a failed Status: the category's code, or kExitStoreInUse for kBusy.
int ExitCodeFor(const Status& status);
int ExitCode(ErrorCategory category);

// The Status code a client gives a device error reply in this category (unauthorized is
// kDenied: the token was refused).
Status::Code StatusCodeFor(ErrorCategory category);

// The name a client reports a failed Status under: the device's category name, or
// "unavailable" when the device or relay could not be reached (a client-side condition
// the device never reports).
std::string_view ClientErrorName(Status::Code code);

}  // namespace otc::rpc
