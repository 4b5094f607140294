// How every otc program reports a failure (docs/CLI.md):
//
//   on stderr, one line:   PROGRAM: what went wrong: the fix
//   with --json, instead:  one JSON object on stdout
//       {"error":"<name>","exit_code":N,"message":"<what went wrong>","fix":"<the fix>"}
//     where <name> is the exit code's stable name (exit_codes.h): scripts branch on it.
//
// Messages never contain pad bytes or plaintext (they come from Status messages, which
// may not either).
#pragma once

#include <string>
#include <string_view>

namespace otc::cli {

struct Failure {
  int exit_code = 1;
  std::string what;  // what went wrong, naming the thing
  std::string fix;   // what to do about it; may be empty when `what` says it already
};

// "padstore: no store at /x: create it with padstore init" (no newline).
std::string FormatFailureLine(std::string_view program, const Failure& failure);
// The JSON object (one line, no newline).
std::string FormatFailureJson(const Failure& failure);
// Prints the failure as above and returns its exit code.
int ReportFailure(std::string_view program, const Failure& failure, bool json);

}  // namespace otc::cli
