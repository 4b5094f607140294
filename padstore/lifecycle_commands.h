// `padstore recover` and `padstore move`: the commands around copy detection
// (copy_state.h, store_move.h). Each returns the process exit code and prints its own
// one-line errors.
#pragma once

#include <string>

#include "padstore/store_types.h"

namespace otc::padstore {

int RecoverCmd(const std::string& dir, const RecoverOptions& options, bool json);
int MoveCmd(const std::string& from, const std::string& to);

}  // namespace otc::padstore
