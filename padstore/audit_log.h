// AuditLog: human-readable, append-only, timestamped security events.
//
// One line per event, durable before Append returns (concurrent appends share one
// fdatasync: group_commit.h):
//
//   2026-11-26T06:09:46Z REPLAY peer=bob first_index=139 length=40 range=[100, 140): ...
//
// Events: REGISTER (also for imports: with the initial usage), JOURNAL_DAMAGE, REPLAY,
// SKIP, LATE, INTEGRITY, RANGE (pad range outside the sender's part of the pad),
// OWNER_CLAIM, UNKNOWN_PEER, FAIL_STOP, SPLIT_GRANT and SPLIT_RECEIVED (the moved split:
// amounts and totals), ROLLBACK (a witness showed the store was restored). Lines never contain pad
// bytes or plaintext: only uids, indices, lengths and counts. Thread-safe.
//
// Bounded (AuditLimits, off by default): a flood of one kind of event cannot grow the log
// without limit. Within a window (60 s), after the first few lines of one event from one
// source (a contact, a remote address), and after a cap across all sources of that event,
// further events are counted on one summary line, rewritten in place with every event and
// synced like any line, so a count is durable before Append returns:
//
//   2026-11-26T06:09:46Z REFUSED peer=bob: and         2,991 more like this in 60 s
//   2026-11-26T06:09:46Z REFUSED any source: and            12 more like this in 60 s
//
// At max_bytes the log is rotated (audit_rotation.h): the first and last line of each
// event kind stay, and one ROTATED line counts everything else.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
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

// The words around the count on a summary line (shared with audit_rotation.cc).
inline constexpr std::string_view kSummaryAnd = ": and ";
inline constexpr std::string_view kSummaryMarker = " more like this in ";
inline constexpr std::string_view kAnySource = "any source";

struct AuditLimits {
  // Lines of one event from one source per window before the rest are counted on a
  // summary line; 0 = never coalesce (every event is a line).
  uint32_t lines_per_source = 0;
  // Lines of one event from all sources together per window: a client cannot dodge the
  // limit by changing the source it claims.
  uint32_t lines_per_event = 0;
  uint64_t window_seconds = 60;
  // Size at which the log is rotated; 0 = never.
  uint64_t max_bytes = 0;
};

// The limits of every log a store or device keeps: 5 lines per event and source, 50 per
// event, per 60 s; rotation at 1 MiB.
inline constexpr AuditLimits kBoundedAudit{
    .lines_per_source = 5, .lines_per_event = 50, .window_seconds = 60, .max_bytes = 1 << 20};

class AuditLog {
 public:
  // Opens (creating, mode 0600) the log at `path` for appending.
  static Result<std::unique_ptr<AuditLog>> Open(Env& env, const std::string& path,
                                                std::function<uint64_t()> clock,
                                                AuditLimits limits = {});

  // Appends "<time> <event> <details>\n" (or counts it on a summary line, see above) and
  // syncs it. `source` keys the coalescing only; it is not written on ordinary lines.
  Status Append(std::string_view event, std::string_view details, std::string_view source = {});

 private:
  // One event's (or one event and source's) lines in the current window.
  struct Window {
    uint64_t start = 0;
    uint32_t lines = 0;
    uint64_t counted = 0;       // events on the summary line
    uint64_t count_offset = 0;  // where the summary's count field is in the file
    bool has_summary = false;
  };
  AuditLog(Env& env, std::shared_ptr<File> file, uint64_t offset, std::function<uint64_t()> clock,
           AuditLimits limits)
      : env_(env),
        file_(std::move(file)),
        offset_(offset),
        clock_(std::move(clock)),
        limits_(limits) {}

  Window& CurrentWindow(std::map<std::string, Window>& windows, std::string key, uint64_t now);
  Status WriteLineLocked(uint64_t stamp, std::string_view event, std::string_view details,
                         uint64_t now);
  Status CountLocked(Window& w, uint64_t now, std::string_view event, std::string_view source);
  Status RotateLocked(uint64_t now);
  Status SyncLocked(std::unique_lock<std::mutex>& lock);

  Env& env_;
  std::mutex mu_;
  std::shared_ptr<File> file_;
  uint64_t offset_;
  std::function<uint64_t()> clock_;
  AuditLimits limits_;
  std::map<std::string, Window> by_source_;  // key: event, NUL, source
  std::map<std::string, Window> by_event_;
  bool failed_ = false;
  GroupCommit commit_;
};

}  // namespace otc::padstore
