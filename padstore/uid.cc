#include "padstore/uid.h"

#include <string>

namespace otc::padstore {

Status ValidateUid(std::string_view uid, std::string_view what) {
  auto bad = [&](std::string_view why) {
    // Quote at most kMaxUidLength characters of the bad input, escaping nothing fancy:
    // non-printable bytes are shown as '?'.
    std::string shown;
    for (char c : uid.substr(0, kMaxUidLength)) shown += (c >= 0x20 && c < 0x7f) ? c : '?';
    if (uid.size() > kMaxUidLength) shown += "...";
    return Status::InvalidArgument(std::string(what) + " \"" + shown + "\" is invalid: " +
                                   std::string(why) + " (use 1-64 characters from a-z 0-9 _ . -)");
  };
  if (uid.empty()) return bad("it is empty");
  if (uid.size() > kMaxUidLength) return bad("it is longer than 64 characters");
  if (uid == "." || uid == "..") return bad("it is a path component");
  for (char c : uid) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
    if (!ok) return bad("it contains a character outside the allowed set");
  }
  return Status::Ok();
}

}  // namespace otc::padstore
