// File names inside a store directory (docs/STORAGE.md, "Store layout"):
//
//   STORE/store.meta                 owner and format version (store_meta.h)
//   STORE/LOCK                       flock'd by the one process using the store; holds its PID
//   STORE/audit.log                  store-wide security events (unknown peers, packages
//                                    claiming to come from the owner)
//   STORE/contacts/<peer>/pad        the pad (0600; a file, or a symlink to a file or device)
//   STORE/contacts/<peer>/manifest   per-chunk digests and the pad id (manifest.h)
//   STORE/contacts/<peer>/meta       fixed facts about the pad (contact_meta.h)
//   STORE/contacts/<peer>/journal    marks, decrypt log, burn log (journal_format.h)
//   STORE/contacts/<peer>/audit.log  this contact's security events (audit_log.h)
//   STORE/contacts/<peer>/gen-<N>/   generation N > 0 of the contact's pad (a renewal):
//                                    the same five files (pad, manifest, meta, journal,
//                                    audit.log); generation 0 is the contact directory itself
#pragma once

#include <cstdint>
#include <string>

#include "common/status.h"

namespace otc::padstore {

struct StorePaths {
  explicit StorePaths(std::string dir) : root(std::move(dir)) {
    while (root.size() > 1 && root.back() == '/') root.pop_back();
  }
  std::string root;

  std::string StoreMeta() const { return root + "/store.meta"; }
  std::string Lock() const { return root + "/LOCK"; }
  std::string Audit() const { return root + "/audit.log"; }
  std::string Contacts() const { return root + "/contacts"; }
  std::string ContactDir(const std::string& peer) const { return Contacts() + "/" + peer; }
  // Where generation `gen` of a contact's pad lives (generation 0: the contact directory,
  // so stores made before renewals existed open unchanged).
  std::string GenerationDir(const std::string& peer, uint32_t gen) const {
    return gen == 0 ? ContactDir(peer) : ContactDir(peer) + "/" + GenerationDirName(gen);
  }
  static std::string GenerationDirName(uint32_t gen) { return "gen-" + std::to_string(gen); }
  std::string Pad(const std::string& peer, uint32_t gen = 0) const {
    return GenerationDir(peer, gen) + "/pad";
  }
  std::string Manifest(const std::string& peer, uint32_t gen = 0) const {
    return GenerationDir(peer, gen) + "/manifest";
  }
  std::string Meta(const std::string& peer, uint32_t gen = 0) const {
    return GenerationDir(peer, gen) + "/meta";
  }
  std::string Journal(const std::string& peer, uint32_t gen = 0) const {
    return GenerationDir(peer, gen) + "/journal";
  }
  std::string ContactAudit(const std::string& peer, uint32_t gen = 0) const {
    return GenerationDir(peer, gen) + "/audit.log";
  }
};

// Turns Env::LockFile's Busy ("<path> is in use by PID n") into the store-level message.
inline Status StoreInUse(const std::string& root, const Status& busy) {
  const std::string& m = busy.message();
  size_t by = m.find(" by PID ");
  return Status::Busy("store " + root + " is in use" +
                      (by == std::string::npos ? std::string() : m.substr(by)) +
                      " (the device daemon or another padstore command); stop it first");
}

}  // namespace otc::padstore
