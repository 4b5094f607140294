// User ids (uids): the names of store owners and contacts.
//
// A uid is 1 to 64 characters from [a-z0-9_.-], and is neither "." nor "..": it is used
// verbatim as a directory name (STORE/contacts/<peer>/), so anything that could escape
// that directory or collide on a case-insensitive file system is rejected.
#pragma once

#include <string_view>

#include "common/status.h"

namespace otc::padstore {

inline constexpr size_t kMaxUidLength = 64;

// Ok, or InvalidArgument naming `what` ("peer uid", "user") and the rule.
Status ValidateUid(std::string_view uid, std::string_view what = "uid");

}  // namespace otc::padstore
