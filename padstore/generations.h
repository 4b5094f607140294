// Pad generations on disk: which generations of a contact have a directory, and which
// one a new pad for the contact goes to (padgen writes the pad there before registering
// it, so it must know the number before the store is opened).
//
// Generation 0 is STORE/contacts/<peer>/ itself, generation N > 0 is
// STORE/contacts/<peer>/gen-N/ (store_paths.h). A generation directory holding a meta
// file is committed; one without is an unfinished registration (or a retirement
// interrupted after its commit point).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/env.h"
#include "common/status.h"
#include "padstore/store_paths.h"

namespace otc::padstore {

// Generation numbers with a directory that holds a meta, a journal, a pad or a manifest,
// sorted. Empty when the contact has none (or no directory).
std::vector<uint32_t> GenerationsOnDisk(Env& env, const StorePaths& paths, const std::string& peer);

// Where a new pad for `peer` goes in one store.
struct NextGenerationSlot {
  uint32_t generation = 0;
  // An unfinished registration is there already (a padgen run to resume).
  bool unfinished = false;
};
NextGenerationSlot NextGenerationOnDisk(Env& env, const StorePaths& paths, const std::string& peer);

}  // namespace otc::padstore
