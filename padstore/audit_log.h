// AuditLog: human-readable, append-only, timestamped security events.
//
// One line per event, durable before Append returns (concurrent appends share one
// fdatasync: group_commit.h):
//
//   2026-11-26T06:09:46Z REPLAY peer=bob first_index=139 length=40 range=[100, 140): ...
//
// Events: REGISTER (also for imports: with the initial usage), JOURNAL_DAMAGE, REPLAY,
// SKIP, LATE, INTEGRITY, RANGE (pad range outside the sender's half), OWNER_CLAIM,
// UNKNOWN_PEER, FAIL_STOP. Lines never contain pad bytes or plaintext: only uids, indices, lengths
// and counts. Thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "common/env.h"
#include "common/status.h"
#include "padstore/group_commit.h"

namespace otc::padstore {

// "2026-11-26T06:09:46Z".
std::string FormatUtc(uint64_t unix_seconds);

class AuditLog {
 public:
  // Opens (creating, mode 0600) the log at `path` for appending.
  static Result<std::unique_ptr<AuditLog>> Open(Env& env, const std::string& path,
                                                std::function<uint64_t()> clock);

  // Appends "<time> <event> <details>\n" and syncs it.
  Status Append(std::string_view event, std::string_view details);

 private:
  AuditLog(std::unique_ptr<File> file, uint64_t offset, std::function<uint64_t()> clock)
      : file_(std::move(file)), offset_(offset), clock_(std::move(clock)) {}

  std::mutex mu_;
  std::unique_ptr<File> file_;
  uint64_t offset_;
  std::function<uint64_t()> clock_;
  bool failed_ = false;
  GroupCommit commit_;
};

}  // namespace otc::padstore
