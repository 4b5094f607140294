// CursorStore: the client's relay cursors, kept on the device (as the 2015 device did).
//
// A client that reads messages from a relay remembers, per relay URL, the next relay ref
// it has not yet processed. Keeping it on the device lets any client (a new laptop, a
// restarted client) resume where the last one stopped; a client that moves it back only
// gets replays, which the device refuses.
//
// File STORE/device-cursors, replaced atomically (temp file, fsync, rename, fsync dir)
// on every Put, mode 0600:
//   {"version":1,"cursors":{"<relay url>":<u64>,...}}
// At most kMaxRelays relays are kept (a client cannot fill the disk). Thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>

#include "common/env.h"
#include "common/status.h"

namespace otc::device {

class CursorStore {
 public:
  static constexpr size_t kMaxRelays = 256;

  // Loads the file if it exists (missing = no cursors yet).
  static Result<std::unique_ptr<CursorStore>> Open(Env* env, const std::string& store_dir);

  // The stored cursor, or 0 when none was stored for `relay`.
  uint64_t Get(const std::string& relay) const;
  // Stores durably before returning ok. kTooLarge when kMaxRelays other relays are kept.
  Status Put(const std::string& relay, uint64_t cursor);

  static std::string FileName(const std::string& store_dir) {
    return store_dir + "/device-cursors";
  }

 private:
  CursorStore(Env* env, std::string path) : env_(env), path_(std::move(path)) {}

  Env* env_;
  std::string path_;
  mutable std::mutex mu_;
  std::map<std::string, uint64_t> cursors_;
  bool failed_ = false;  // a failed write leaves the file unknown: fail-stop
};

}  // namespace otc::device
