// Import of a 2015 reference pad (one-time-chat, Python): ALICE.BOB.random.store (the
// pad bytes) and ALICE.BOB.random.metadata (one line of JSON) become an otc1 contact
// entry whose used ranges stay used.
//
// Metadata fields read (others are ignored):
//   uid, rid          the owner and the contact (uids)
//   n_bytes           pad size; the store file must have exactly this many bytes
//   split_index       the split
//   direction         1 or -1: the owner's direction
//   encrypt_index     the next own byte to use: direction 1 used [0, encrypt_index);
//                     direction -1 used [encrypt_index + 1, n_bytes)
//   decrypt_log       "i-j,i-j,..." (older files: decrypt_indexes); each entry is one
//                     decrypted package read from i, exclusive end j: direction 1 (peer
//                     sends downward) i-j covers [j+1, i]; direction -1 covers [i, j)
//   decrypt_max       derived from the log; not needed
//   checksum          CPython 2 hash() of the fields: it depends on the interpreter's
//                     string hashing and cannot be recomputed portably, so it is NOT
//                     checked (the import says so)
//
// The pad is copied (the originals are left untouched: destroy them afterwards), a
// manifest is computed, and the contact is registered with the used ranges as its
// initial state; opening it then burns them.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "padstore/store.h"

namespace otc::padstore {

struct LegacyImportOptions {
  std::string peer;  // must equal the metadata's rid
  std::string store_file;
  std::string metadata_file;
  uint64_t chunk_size = kDefaultChunkSize;
  std::function<void(uint64_t, uint64_t)> progress;  // bytes copied, total
};

struct LegacyImportResult {
  ContactState info;
  std::vector<std::string> notes;  // things the user should know (unchecked checksum, ...)
};

// The decrypted ranges of a 2015 decrypt_log for an owner with `direction`; exposed for
// tests. InvalidArgument on malformed entries.
Result<std::vector<IndexRange>> ParseLegacyDecryptLog(std::string_view log, Direction direction);

Result<LegacyImportResult> ImportLegacy(Store& store, const LegacyImportOptions& options);

}  // namespace otc::padstore
