// MoveStore: `padstore move`, the one way to move a store that is not taken for a copy.
//
// A store refuses to package once its journals are not the files it wrote (copy_state.h):
// that is how a restored backup is caught. A deliberate move to another file system
// makes new files too, so it goes through here: the old store is opened (recovering it
// and taking its lock) and closed cleanly, then
//   * on the same file system, the directory is renamed (the files stay the same);
//   * otherwise every file is copied (pad files in full, symbolic links to a pad on a
//     removable drive as links), synced, the copy is opened with adopt_moved (its
//     journals are re-stamped with their new identity, and STORE_MOVED is audited), and
//     only then is the old store removed, store.meta first so it can never be opened
//     again.
// The old store's lock is held from its clean close until it is gone.
#pragma once

#include <string>

#include "common/env.h"
#include "common/status.h"

namespace otc::padstore {

// `to` must not exist (its parent must). Errors: Busy (the store is in use),
// AlreadyExists (`to` exists), and the I/O errors of the copy (the old store is then
// left as it was, and a partial `to` is removed).
// `mark_mirror_dir` as in StoreOptions (the mirror moves with the store: it is keyed by
// the store's instance id, not its path).
Status MoveStore(const std::string& from, const std::string& to,
                 const std::string& mark_mirror_dir = "", Env* env = nullptr);

}  // namespace otc::padstore
