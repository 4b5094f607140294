// Names the client accepts from the user: user ids (the relay's uid rule) and group names.
//
// A uid is 1 to 64 characters of [a-z0-9_.-], exactly the rule the relay enforces, so a
// typo is caught in the client with a clear message instead of a 400 from the relay.
// Group names follow the same rule (they are typed in the same places).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace otc::client {

bool IsValidUid(std::string_view uid);

// Ok, or InvalidArgument naming `what` ("user", "group") and the rule.
Status CheckUid(std::string_view uid, std::string_view what = "user");

// Splits "bob,carol" into {"bob","carol"}; every name must be a valid uid and appear
// once; an empty list, an empty element ("bob,,carol") or a duplicate is an error.
Result<std::vector<std::string>> ParseUidList(std::string_view text);

}  // namespace otc::client
