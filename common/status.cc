#include "common/status.h"

#include <cerrno>
#include <cstring>

namespace otc {

std::string_view CodeName(Status::Code code) {
  switch (code) {
    case Status::Code::kOk:
      return "ok";
    case Status::Code::kInvalidArgument:
      return "invalid_argument";
    case Status::Code::kNotFound:
      return "not_found";
    case Status::Code::kAlreadyExists:
      return "already_exists";
    case Status::Code::kCorruption:
      return "corruption";
    case Status::Code::kIOError:
      return "io_error";
    case Status::Code::kNoSpace:
      return "no_space";
    case Status::Code::kBusy:
      return "busy";
    case Status::Code::kExhausted:
      return "exhausted";
    case Status::Code::kReplay:
      return "replay";
    case Status::Code::kIntegrity:
      return "integrity";
    case Status::Code::kDenied:
      return "denied";
    case Status::Code::kTooLarge:
      return "too_large";
    case Status::Code::kUnsupported:
      return "unsupported";
    case Status::Code::kFailed:
      return "failed";
    case Status::Code::kUnavailable:
      return "unavailable";
    case Status::Code::kInternal:
      return "internal";
  }
  return "unknown";
}

Status Status::FromErrno(int err, std::string_view what) {
  std::string message = std::string(what) + ": " + std::strerror(err);
  switch (err) {
    case ENOENT:
      return NotFound(std::move(message));
    case EEXIST:
      return AlreadyExists(std::move(message));
    case ENOSPC:
    case EDQUOT:
      return NoSpace(std::move(message));
    case EACCES:
    case EPERM:
      return Denied(std::move(message));
    case EWOULDBLOCK:
      return Busy(std::move(message));
    case EINVAL:
      return InvalidArgument(std::move(message));
    default:
      return IOError(std::move(message));
  }
}

std::string Status::ToString() const {
  if (ok()) return "ok";
  return std::string(CodeName(code_)) + ": " + message_;
}

Status Status::WithContext(std::string_view context) const {
  if (ok()) return *this;
  return Status(code_, std::string(context) + ": " + message_);
}

}  // namespace otc
