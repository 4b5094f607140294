#include "chat/client/names.h"

#include <algorithm>

#include "chat/rpc/device_rpc.h"

namespace otc::client {

bool IsValidUid(std::string_view uid) { return rpc::IsValidUid(uid); }

Status CheckUid(std::string_view uid, std::string_view what) {
  if (IsValidUid(uid)) return Status::Ok();
  std::string shown(uid.substr(0, 80));
  return Status::InvalidArgument(std::string(what) + " name '" + shown +
                                 "' is not valid: use 1-64 characters of a-z 0-9 _ . -");
}

Result<std::vector<std::string>> ParseUidList(std::string_view text) {
  std::vector<std::string> out;
  if (text.empty()) return Status::InvalidArgument("empty list of users: give user1,user2,...");
  size_t pos = 0;
  while (true) {
    size_t comma = text.find(',', pos);
    std::string_view item =
        text.substr(pos, comma == std::string_view::npos ? std::string_view::npos : comma - pos);
    if (item.empty()) {
      return Status::InvalidArgument("empty name in the list '" + std::string(text) +
                                     "': separate users with single commas, no spaces");
    }
    if (Status s = CheckUid(item); !s.ok()) return s;
    if (std::find(out.begin(), out.end(), item) != out.end()) {
      return Status::InvalidArgument("user '" + std::string(item) + "' is listed twice");
    }
    out.emplace_back(item);
    if (comma == std::string_view::npos) break;
    pos = comma + 1;
  }
  return out;
}

}  // namespace otc::client
