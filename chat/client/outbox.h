// The outbox: packaged messages kept on disk from before the first send attempt until the
// relay acknowledges them, so a message is never lost to an unreachable relay or a crash,
// and a retry resends the same package (no pad is spent twice; the relay's idempotent send
// makes a resend after a lost acknowledgement harmless).
//
// Where: `<state dir>/outbox-<user>`, mode 0600, in a state directory created with its
// parents (0700). The state dir is $OTC_STATE_DIR, else $XDG_STATE_HOME/otc, else
// $HOME/.local/state/otc. The format is outbox_format.h (docs/STORAGE.md "Client outbox").
//
// Durability: Append returns only after the record is written and fsync'd (and, for a new
// file, its directory). The `done` record written after an acknowledgement is not
// fsync'd: if it is lost, the entry is sent again and the relay answers with the original
// ref. A failed write or fsync makes this Outbox refuse every later call (fail-stop: its
// contents are unknown after a failed fsync).
//
// Several processes of one user (a chat and `otc flush`): every operation happens under
// Lock(), an flock on `<outbox>.lock`, taken around packaging, appending and sending, so
// entries are appended in the order they were packaged and one contact's messages are
// never sent interleaved by two processes.
//
// Damage (a torn or flipped record, see outbox_format.h): Load() keeps a copy of the whole
// file as `<outbox>.damaged-<UTC time>`, rewrites the outbox with the intact pending
// entries and returns a notice naming both files. Nothing is dropped silently.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "chat/client/config.h"
#include "chat/client/outbox_format.h"
#include "common/env.h"
#include "common/status.h"

namespace otc::client {

// The state directory (see above). Error if none can be determined.
Result<std::string> ResolveStateDir(const EnvLookup& env);
std::string OutboxPath(const std::string& state_dir, const std::string& user);

class Outbox {
 public:
  Outbox(Env& env, std::string path);

  const std::string& path() const { return path_; }

  // Takes the outbox for this process (also against this process's other threads),
  // waiting up to `wait` for another holder. Busy names the holder's PID.
  Result<std::unique_ptr<FileLock>> Lock(std::chrono::milliseconds wait);

  // The following need Lock() held.

  // Pending entries, oldest first. On damage, `*damage` gets the notice (see above).
  Result<std::vector<OutboxEntry>> Load(std::string* damage);
  // Appends `entry` (a random id is assigned if it has none) and makes it durable.
  Status Append(OutboxEntry& entry);
  // Entry `id` has left: acknowledged with `ref`, or refused for good (ref 0).
  Status MarkDone(uint64_t id, uint64_t ref);
  // Rewrites the file without the entries that have left (temp file, rename, directory
  // fsync) if it holds any; an outbox with nothing pending becomes just the magic.
  Status Compact();

 private:
  Status CheckUsable() const;
  Status Failed(Status s);  // remembers `s`: later calls fail with it
  Status EnsureDir();
  Status Rewrite(const std::vector<OutboxEntry>& pending);

  Env& env_;
  std::string path_;
  Status failed_;
};

}  // namespace otc::client
