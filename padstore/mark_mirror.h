// MarkMirror: a copy of a contact's reservation mark kept OUTSIDE the store directory.
//
// Copy detection (copy_state.h) tells that a store's files were copied, but not how far
// the original went after the copy was made; and a restore that keeps inodes (a
// block-level snapshot of the store's file system) is not seen at all. The mirror answers
// both for the common case where the store and the mirror are not restored together:
// the device's state directory holds, per pad, the highest own mark ever made durable.
// A store whose journal is behind its mirror was rolled back; `padstore recover` then
// skips past the mirror (not just past the store's own, older mark).
//
//   STATE/<owner>.<store instance>.<peer>.<pad id>.mark :=     (ids in hex)
//       magic "OTCMARK1" | own_mark u64 | crc u32 (CRC32C of the bytes before it)
//
// Written atomically (WriteFileAtomically) after the journal's mark record is synced and
// before any byte below the new mark is handed out, so the mirror is never ahead of what
// the store made durable, and never behind what it handed out. A missing mirror is
// created at the next open; a damaged one is an error naming the file (delete it and
// run `padstore recover --force` if you know the store is the original).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "common/env.h"
#include "common/status.h"
#include "padstore/contact_meta.h"

namespace otc::padstore {

class MarkMirror {
 public:
  // `dir` is created (mode 0700) at the first write.
  // `store_instance` (hex) keeps stores with the same owner, peer and pad apart (tests
  // make many); a copy of a store shares it, as it must.
  MarkMirror(Env& env, std::string dir, const std::string& store_instance, const ContactMeta& meta);

  const std::string& path() const { return path_; }
  // The mirrored mark, or nullopt when there is none yet. Corruption when damaged.
  Result<std::optional<uint64_t>> Read() const;
  Status Write(uint64_t own_mark);

 private:
  Env& env_;
  std::string dir_;
  std::string path_;
};

// Where the device and the padstore tool keep mirrors unless told otherwise:
// $OTC_MARK_MIRROR, else $XDG_STATE_HOME/otc/marks, else $HOME/.local/state/otc/marks
// (empty when none of them is set: no mirror).
std::string DefaultMarkMirrorDir();

}  // namespace otc::padstore
