// `padstore recover`, `padstore move` and `padstore retire`: the commands around copy
// detection (copy_state.h, store_move.h) and pad renewal (retire.cc). Each returns the
// process exit code and prints its own one-line errors.
#pragma once

#include <optional>
#include <string>

#include "padstore/store_types.h"

namespace otc::padstore {

int RecoverCmd(const std::string& dir, const RecoverOptions& options, bool json);
int MoveCmd(const std::string& from, const std::string& to);

struct RetireArgs {
  std::string store, peer;
  std::optional<uint32_t> generation;  // default: the oldest the contact holds
  bool yes = false;                    // no confirmation (required without a terminal)
  bool json = false;
};
int RetireCmd(const RetireArgs& args);

}  // namespace otc::padstore
