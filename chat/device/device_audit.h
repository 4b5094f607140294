// DeviceAudit: the device's own audit log, STORE/device-audit.log.
//
// Device-local, append-only, timestamped, each line durable before Record returns
// (padstore's AuditLog: format, and group commit of concurrent lines):
//
//   2026-11-26T07:10:02Z REFUSED op=unpackage peer=bob category=replay: pad range ...
//   2026-11-26T07:10:05Z DENIED op=package peer=bob message_bytes=23 pad_bytes=55: ...
//   2026-11-26T07:11:00Z PAD_LOW peer=bob own_left=1020 own_half=524288: below 1%
//   2026-11-26T07:12:00Z SKIP peer=alice index=4096 skipped=80: dropped messages?
//   2026-11-26T07:13:00Z INTERNAL op=package peer=bob: <operator detail>
//   2026-11-26T07:14:00Z UNAUTHORIZED remote=127.0.0.1: missing or wrong bearer token
//
// Every refusal the device sends a client is here, with the category the client saw and
// the operator-level detail it did not see. padstore additionally keeps its own
// per-contact and store-wide logs (docs/STORAGE.md). Lines never hold plaintext or pad
// bytes: only uids, sizes, indices, categories and Status messages (which by the project
// rule never carry secrets). Values from a client are sanitized (control characters and
// non-ASCII replaced, length capped) so a client cannot forge lines.
//
// Bounded (padstore::AuditLimits): after 5 lines of one event from one peer or remote
// address in 60 s, and 50 of one event from all of them, the rest are counted on one
// summary line ("... and 2,991 more like this in 60 s"); at 1 MiB the log rotates, keeping
// the first and last line of each event and a count of the rest. A flood of bad requests
// costs a sync each but no space.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "common/env.h"
#include "common/status.h"
#include "padstore/audit_log.h"

namespace otc::device {

class DeviceAudit {
 public:
  static padstore::AuditLimits DefaultLimits();
  static Result<std::unique_ptr<DeviceAudit>> Open(Env* env, const std::string& store_dir,
                                                   padstore::AuditLimits limits = DefaultLimits());
  static std::string FileName(const std::string& store_dir) {
    return store_dir + "/device-audit.log";
  }

  // Appends one line. A failure is reported on stderr (the request's answer does not
  // change: the log is for the operator) and returned.
  Status Record(std::string_view event, std::string_view details);

  // Printable ASCII, at most 200 characters: for values a client chose.
  static std::string Sanitize(std::string_view text);

 private:
  explicit DeviceAudit(std::unique_ptr<padstore::AuditLog> log) : log_(std::move(log)) {}
  std::unique_ptr<padstore::AuditLog> log_;
};

}  // namespace otc::device
