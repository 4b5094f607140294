// Status and Result<T>: how every otc component reports an expected failure.
//
// No exceptions cross a component boundary. A Status carries a category (Code),
// which callers branch on and which maps to a client-facing error category, and a
// human-readable message, which is for the operator. Messages must never contain
// pad bytes or plaintext.
#pragma once

#include <cassert>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace otc {

class Status {
 public:
  enum class Code {
    kOk = 0,
    kInvalidArgument,  // the caller's input is malformed (bad size, bad uid, bad base64, ...)
    kNotFound,         // a named thing (file, contact, store) does not exist
    kAlreadyExists,    // creating something that is already there
    kCorruption,       // stored data fails a checksum or an invariant
    kIOError,          // the OS reported an I/O failure (EIO, short write, failed fsync)
    kNoSpace,          // ENOSPC, or a size check up front found too little space
    kBusy,             // the resource is held by someone else (store locked by another process)
    kExhausted,        // no pad left for this request
    kReplay,           // the package uses pad that was already decrypted
    kIntegrity,        // authentication tag mismatch: possible forgery
    kDenied,           // the user or a policy refused the request
    kTooLarge,         // over a configured size limit
    kUnsupported,      // a version or feature this build does not understand
    kFailed,           // the object is in a fail-stop state after an earlier fatal error
    kUnavailable,      // a peer (device, relay) could not be reached
    kInternal,         // a bug or an unexpected condition
  };

  Status() = default;
  static Status Ok() { return Status(); }
  static Status Error(Code code, std::string message) { return Status(code, std::move(message)); }
  static Status InvalidArgument(std::string m) {
    return Status(Code::kInvalidArgument, std::move(m));
  }
  static Status NotFound(std::string m) { return Status(Code::kNotFound, std::move(m)); }
  static Status AlreadyExists(std::string m) { return Status(Code::kAlreadyExists, std::move(m)); }
  static Status Corruption(std::string m) { return Status(Code::kCorruption, std::move(m)); }
  static Status IOError(std::string m) { return Status(Code::kIOError, std::move(m)); }
  static Status NoSpace(std::string m) { return Status(Code::kNoSpace, std::move(m)); }
  static Status Busy(std::string m) { return Status(Code::kBusy, std::move(m)); }
  static Status Exhausted(std::string m) { return Status(Code::kExhausted, std::move(m)); }
  static Status Replay(std::string m) { return Status(Code::kReplay, std::move(m)); }
  static Status Integrity(std::string m) { return Status(Code::kIntegrity, std::move(m)); }
  static Status Denied(std::string m) { return Status(Code::kDenied, std::move(m)); }
  static Status TooLarge(std::string m) { return Status(Code::kTooLarge, std::move(m)); }
  static Status Unsupported(std::string m) { return Status(Code::kUnsupported, std::move(m)); }
  static Status Failed(std::string m) { return Status(Code::kFailed, std::move(m)); }
  static Status Unavailable(std::string m) { return Status(Code::kUnavailable, std::move(m)); }
  static Status Internal(std::string m) { return Status(Code::kInternal, std::move(m)); }

  // An errno from a failed system call on `what` (a path or an operation name).
  static Status FromErrno(int err, std::string_view what);

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }
  // "category: message", or "ok".
  std::string ToString() const;

  // Prefixes the message with context, keeping the code: "opening journal: <message>".
  Status WithContext(std::string_view context) const;

 private:
  Status(Code code, std::string message) : code_(code), message_(std::move(message)) {}
  Code code_ = Code::kOk;
  std::string message_;
};

// Stable lower-case name of a code ("invalid_argument", "io_error", ...).
std::string_view CodeName(Status::Code code);

// Either a value or a non-ok Status.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}        // NOLINT: implicit by design
  Result(Status status) : v_(std::move(status)) {  // NOLINT: implicit by design
    assert(!std::get<Status>(v_).ok() && "Result built from an ok Status has no value");
  }

  bool ok() const { return std::holds_alternative<T>(v_); }
  const Status& status() const {
    static const Status kOk;
    return ok() ? kOk : std::get<Status>(v_);
  }
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace otc
