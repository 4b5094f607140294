#include "chat/rpc/error_category.h"

#include <array>
#include <utility>

namespace otc::rpc {
namespace {

struct CategoryInfo {
  ErrorCategory category;
  std::string_view name;
  int http;
  int exit;
};

constexpr std::array<CategoryInfo, 9> kCategories = {{
    {ErrorCategory::kBadRequest, "bad_request", 400, 2},
    {ErrorCategory::kUnknownContact, "unknown_contact", 404, 3},
    {ErrorCategory::kPadExhausted, "pad_exhausted", 409, 4},
    {ErrorCategory::kDenied, "denied", 403, 5},
    {ErrorCategory::kReplay, "replay", 409, 6},
    {ErrorCategory::kIntegrity, "integrity", 422, 7},
    {ErrorCategory::kTooLarge, "too_large", 413, 8},
    {ErrorCategory::kUnauthorized, "unauthorized", 401, 9},
    {ErrorCategory::kInternal, "internal", 500, 1},
}};

const CategoryInfo& Info(ErrorCategory category) {
  for (const auto& info : kCategories) {
    if (info.category == category) return info;
  }
  return kCategories.back();  // unreachable: every enumerator is in the table
}

}  // namespace

std::string_view CategoryName(ErrorCategory category) { return Info(category).name; }

bool ParseCategory(std::string_view name, ErrorCategory* out) {
  for (const auto& info : kCategories) {
    if (info.name == name) {
      *out = info.category;
      return true;
    }
  }
  return false;
}

ErrorCategory CategoryFor(Status::Code code) {
  using C = Status::Code;
  switch (code) {
    case C::kInvalidArgument:
    case C::kUnsupported:
      return ErrorCategory::kBadRequest;
    case C::kNotFound:
      return ErrorCategory::kUnknownContact;
    case C::kExhausted:
      return ErrorCategory::kPadExhausted;
    case C::kDenied:
      return ErrorCategory::kDenied;
    case C::kReplay:
      return ErrorCategory::kReplay;
    case C::kIntegrity:
      return ErrorCategory::kIntegrity;
    case C::kTooLarge:
      return ErrorCategory::kTooLarge;
    case C::kOk:
    case C::kAlreadyExists:
    case C::kCorruption:
    case C::kIOError:
    case C::kNoSpace:
    case C::kBusy:
    case C::kFailed:
    case C::kUnavailable:
    case C::kInternal:
      return ErrorCategory::kInternal;
  }
  return ErrorCategory::kInternal;
}

int HttpStatus(ErrorCategory category) { return Info(category).http; }

int ExitCode(ErrorCategory category) { return Info(category).exit; }

int ExitCodeFor(const Status& status) {
  if (status.ok()) return 0;
  if (status.code() == Status::Code::kBusy) return kExitStoreInUse;
  return ExitCode(CategoryFor(status.code()));
}

Status::Code StatusCodeFor(ErrorCategory category) {
  using C = Status::Code;
  switch (category) {
    case ErrorCategory::kBadRequest:
      return C::kInvalidArgument;
    case ErrorCategory::kUnknownContact:
      return C::kNotFound;
    case ErrorCategory::kPadExhausted:
      return C::kExhausted;
    case ErrorCategory::kDenied:
    case ErrorCategory::kUnauthorized:
      return C::kDenied;
    case ErrorCategory::kReplay:
      return C::kReplay;
    case ErrorCategory::kIntegrity:
      return C::kIntegrity;
    case ErrorCategory::kTooLarge:
      return C::kTooLarge;
    case ErrorCategory::kInternal:
      return C::kInternal;
  }
  return C::kInternal;
}

std::string_view ClientErrorName(Status::Code code) {
  if (code == Status::Code::kUnavailable) return "unavailable";
  return CategoryName(CategoryFor(code));
}

}  // namespace otc::rpc
