#include "chat/client/groups.h"

#include <string_view>

#include "chat/client/config.h"
#include "chat/client/names.h"
#include "common/encoding.h"

namespace otc::client {

namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

}  // namespace

Result<std::map<std::string, std::vector<std::string>>> GroupBook::Parse(
    const std::string& text, const std::string& source) {
  std::map<std::string, std::vector<std::string>> out;
  std::string_view rest = text;
  size_t line_no = 0;
  while (!rest.empty()) {
    size_t nl = rest.find('\n');
    std::string_view line = Trim(rest.substr(0, nl));
    rest.remove_prefix(nl == std::string_view::npos ? rest.size() : nl + 1);
    ++line_no;
    if (line.empty() || line.front() == '#') continue;
    std::string where = source + ":" + std::to_string(line_no) + ": ";
    size_t eq = line.find('=');
    if (eq == std::string_view::npos) {
      return Status::Corruption(where + "expected 'NAME = USER1,USER2,...'");
    }
    std::string_view name = Trim(line.substr(0, eq));
    if (Status s = CheckUid(name, "group"); !s.ok()) return Status::Corruption(where + s.message());
    Result<std::vector<std::string>> members = ParseUidList(Trim(line.substr(eq + 1)));
    if (!members.ok()) return Status::Corruption(where + members.status().message());
    if (!out.emplace(std::string(name), std::move(*members)).second) {
      return Status::Corruption(where + "group '" + std::string(name) + "' is defined twice");
    }
  }
  return out;
}

Result<GroupBook> GroupBook::Load(Env& env, std::string path) {
  GroupBook book(env, path);
  if (!env.FileExists(path)) return book;
  Result<std::string> text = ReadFileToString(env, path);
  if (!text.ok()) return text.status().WithContext("reading groups file " + path);
  auto parsed = Parse(*text, path);
  if (!parsed.ok()) return parsed.status();
  book.groups_ = std::move(*parsed);
  return book;
}

std::string GroupBook::Serialize() const {
  std::string out = "# otc groups: NAME = USER1,USER2,...\n";
  for (const auto& [name, members] : groups_) {
    out += name + " =";
    for (size_t i = 0; i < members.size(); ++i) out += (i == 0 ? " " : ",") + members[i];
    out += "\n";
  }
  return out;
}

Status GroupBook::Save() {
  if (Status s = CreateDirWithParents(*env_, DirName(path_)); !s.ok()) {
    return s.WithContext("creating config directory");
  }
  std::string text = Serialize();
  Status s = WriteFileAtomically(*env_, path_, AsBytes(text), 0600);
  return s.ok() ? s : s.WithContext("saving groups to " + path_);
}

Status GroupBook::Define(const std::string& name, std::vector<std::string> members) {
  if (Status s = CheckUid(name, "group"); !s.ok()) return s;
  if (members.empty()) return Status::InvalidArgument("group '" + name + "' needs members");
  for (const std::string& m : members) {
    if (Status s = CheckUid(m); !s.ok()) return s;
  }
  auto old = groups_.find(name);
  std::optional<std::vector<std::string>> previous;
  if (old != groups_.end()) previous = old->second;
  groups_[name] = std::move(members);
  Status s = Save();
  if (!s.ok()) {  // keep memory and disk in agreement
    if (previous) {
      groups_[name] = *previous;
    } else {
      groups_.erase(name);
    }
  }
  return s;
}

Status GroupBook::Remove(const std::string& name) {
  auto it = groups_.find(name);
  if (it == groups_.end()) return Status::NotFound("no group named '" + name + "'");
  std::vector<std::string> previous = it->second;
  groups_.erase(it);
  Status s = Save();
  if (!s.ok()) groups_[name] = std::move(previous);
  return s;
}

std::optional<std::vector<std::string>> GroupBook::Members(const std::string& name) const {
  auto it = groups_.find(name);
  if (it == groups_.end()) return std::nullopt;
  return it->second;
}

std::vector<std::string> GroupBook::Names() const {
  std::vector<std::string> out;
  for (const auto& [name, members] : groups_) out.push_back(name);
  return out;
}

}  // namespace otc::client
