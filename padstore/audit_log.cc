#include "padstore/audit_log.h"

#include <ctime>

#include "common/encoding.h"

namespace otc::padstore {

std::string FormatUtc(uint64_t unix_seconds) {
  std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

Result<std::unique_ptr<AuditLog>> AuditLog::Open(Env& env, const std::string& path,
                                                 std::function<uint64_t()> clock) {
  Result<std::unique_ptr<File>> file =
      env.OpenFile(path, {.write = true, .create = true, .mode = 0600});
  if (!file.ok()) return file.status();
  Result<uint64_t> size = (*file)->Size();
  if (!size.ok()) return size.status();
  return std::unique_ptr<AuditLog>(new AuditLog(std::move(*file), *size, std::move(clock)));
}

Status AuditLog::Append(std::string_view event, std::string_view details) {
  std::unique_lock lock(mu_);
  if (failed_) return Status::Failed("audit log " + file_->path() + " failed earlier");
  std::string line = FormatUtc(clock_());  // += only: GCC 12 warns falsely on a + chain
  line += ' ';
  line += event;
  if (!details.empty()) {
    line += ' ';
    line += details;
  }
  line += '\n';
  Status s = WriteFully(*file_, offset_, AsBytes(line));
  if (s.ok()) {
    offset_ += line.size();
    s = commit_.Wait(
        lock, commit_.Issue(),
        [this] {
          return failed_ ? Status::Failed("audit log " + file_->path() + " failed earlier")
                         : Status::Ok();
        },
        [this] { return [file = file_.get()] { return file->DataSync(); }; });
  }
  if (!s.ok() && !failed_) {  // this thread's write, or the sync it led, failed
    failed_ = true;
    return s.WithContext("writing the audit log");
  }
  return s;
}

}  // namespace otc::padstore
