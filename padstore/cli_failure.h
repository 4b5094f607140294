// How every padstore command turns a failed Status into its exit code and one-line report
// (common/cli/exit_codes.h): one mapping for all of them, so the same failure exits the
// same way whichever command met it.
//
//   Busy (a running device holds the store)    10 in_use
//   InvalidArgument                            2  usage
//   Denied (not confirmed)                     5  denied
//   NotFound, when it names a contact          3  unknown_contact
//   anything else, a missing store included    1  failed
#pragma once

#include <string>

#include "common/status.h"

namespace otc::padstore {

// NotFound is ambiguous in padstore: an unknown contact, or a store directory (or one of
// its files) that is not there. Only the caller knows which lookup failed.
enum class NotFoundIs { kFailure, kUnknownContact };

int ExitCodeFor(const Status& s, NotFoundIs not_found = NotFoundIs::kFailure);

// Reports `s` (Status messages already say what to do: `fix` only adds to them) and
// returns its exit code.
int Fail(const Status& s, bool json, NotFoundIs not_found = NotFoundIs::kFailure,
         const std::string& fix = "");

}  // namespace otc::padstore
