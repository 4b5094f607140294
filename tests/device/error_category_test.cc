#include "chat/rpc/error_category.h"

#include <gtest/gtest.h>

namespace otc::rpc {
namespace {

struct Row {
  ErrorCategory category;
  const char* name;
  int http;
  int exit;
};

// The documented table (error_category.h, docs/PROTOCOL.md "Device RPC").
constexpr Row kTable[] = {
    {ErrorCategory::kBadRequest, "bad_request", 400, 2},
    {ErrorCategory::kUnknownContact, "unknown_contact", 404, 3},
    {ErrorCategory::kPadExhausted, "pad_exhausted", 409, 4},
    {ErrorCategory::kDenied, "denied", 403, 5},
    {ErrorCategory::kReplay, "replay", 409, 6},
    {ErrorCategory::kIntegrity, "integrity", 422, 7},
    {ErrorCategory::kTooLarge, "too_large", 413, 8},
    {ErrorCategory::kUnauthorized, "unauthorized", 401, 9},
    {ErrorCategory::kInternal, "internal", 500, 1},
};

TEST(ErrorCategory, NamesStatusesAndExitCodesMatchTheDocumentedTable) {
  for (const Row& row : kTable) {
    EXPECT_EQ(CategoryName(row.category), row.name);
    EXPECT_EQ(HttpStatus(row.category), row.http) << row.name;
    EXPECT_EQ(ExitCode(row.category), row.exit) << row.name;
    ErrorCategory parsed{};
    ASSERT_TRUE(ParseCategory(row.name, &parsed));
    EXPECT_EQ(parsed, row.category);
  }
  ErrorCategory unused{};
  EXPECT_FALSE(ParseCategory("nope", &unused));
  EXPECT_FALSE(ParseCategory("", &unused));
}

TEST(ErrorCategory, StatusCodesMapToCategories) {
  using C = Status::Code;
  EXPECT_EQ(CategoryFor(C::kInvalidArgument), ErrorCategory::kBadRequest);
  EXPECT_EQ(CategoryFor(C::kUnsupported), ErrorCategory::kBadRequest);
  EXPECT_EQ(CategoryFor(C::kNotFound), ErrorCategory::kUnknownContact);
  EXPECT_EQ(CategoryFor(C::kExhausted), ErrorCategory::kPadExhausted);
  EXPECT_EQ(CategoryFor(C::kDenied), ErrorCategory::kDenied);
  EXPECT_EQ(CategoryFor(C::kReplay), ErrorCategory::kReplay);
  EXPECT_EQ(CategoryFor(C::kIntegrity), ErrorCategory::kIntegrity);
  EXPECT_EQ(CategoryFor(C::kTooLarge), ErrorCategory::kTooLarge);
  // The device's own troubles are all "internal" to a client.
  for (C code : {C::kAlreadyExists, C::kCorruption, C::kIOError, C::kNoSpace, C::kBusy, C::kFailed,
                 C::kUnavailable, C::kInternal}) {
    EXPECT_EQ(CategoryFor(code), ErrorCategory::kInternal) << CodeName(code);
  }
}

TEST(ErrorCategory, CliExitCodes) {
  EXPECT_EQ(ExitCodeFor(Status::Ok()), 0);
  EXPECT_EQ(ExitCodeFor(Status::Busy("store is in use by PID 7")), 10);
  EXPECT_EQ(ExitCodeFor(Status::Replay("x")), 6);
  EXPECT_EQ(ExitCodeFor(Status::Integrity("x")), 7);
  EXPECT_EQ(ExitCodeFor(Status::IOError("x")), 1);
  EXPECT_EQ(ExitCodeFor(Status::InvalidArgument("x")), 2);
}

}  // namespace
// A refusal keeps its category from the device's Status to the client's Status and to the
// name `otc send --json` reports.
TEST(ErrorCategory, OneNameEndToEnd) {
  using C = Status::Code;
  for (C device_code : {C::kInvalidArgument, C::kNotFound, C::kExhausted, C::kDenied, C::kReplay,
                        C::kIntegrity, C::kTooLarge, C::kIOError}) {
    const ErrorCategory sent = CategoryFor(device_code);
    const C client_code = StatusCodeFor(sent);
    EXPECT_EQ(CategoryFor(client_code), sent) << CodeName(device_code);
    EXPECT_EQ(ClientErrorName(client_code), CategoryName(sent)) << CodeName(device_code);
  }
  EXPECT_EQ(ClientErrorName(C::kNotFound), "unknown_contact");
  EXPECT_EQ(StatusCodeFor(ErrorCategory::kUnauthorized), C::kDenied);
  EXPECT_EQ(ClientErrorName(C::kUnavailable), "unavailable");
}

}  // namespace otc::rpc
