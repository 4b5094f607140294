// Group aliases (`group NAME U1,U2,...`), kept in the config directory.
//
// File `<config dir>/groups`, mode 0600, replaced atomically on every change
// (WriteFileAtomically: temp file, fsync, rename, fsync dir). Format, one group a line,
// sorted by name:
//   # otc groups: NAME = USER1,USER2,...
//   friends = bob,carol
// Blank lines and '#' lines are ignored. Names and members follow the uid rule
// (names.h); a malformed line is an error naming file:line rather than being dropped.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/env.h"
#include "common/status.h"

namespace otc::client {

class GroupBook {
 public:
  // Reads `path`; a missing file gives an empty book that will be created on Save.
  static Result<GroupBook> Load(Env& env, std::string path);

  // Defines or replaces a group and saves. Members must be non-empty.
  Status Define(const std::string& name, std::vector<std::string> members);
  // Forgets a group and saves; NotFound if it does not exist.
  Status Remove(const std::string& name);

  std::optional<std::vector<std::string>> Members(const std::string& name) const;
  std::vector<std::string> Names() const;
  const std::map<std::string, std::vector<std::string>>& groups() const { return groups_; }

  // The file text for the current groups.
  std::string Serialize() const;
  // Parses file text; `source` names the file in errors.
  static Result<std::map<std::string, std::vector<std::string>>> Parse(const std::string& text,
                                                                       const std::string& source);

 private:
  GroupBook(Env& env, std::string path) : env_(&env), path_(std::move(path)) {}
  Status Save();

  Env* env_;
  std::string path_;
  std::map<std::string, std::vector<std::string>> groups_;
};

}  // namespace otc::client
