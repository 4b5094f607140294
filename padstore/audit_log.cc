#include "padstore/audit_log.h"

#include <ctime>

#include "common/encoding.h"
#include "padstore/audit_rotation.h"

namespace otc::padstore {
namespace {

// Width of a summary's count field, so the count can be rewritten in place: it holds
// "18,446,744,073,709,551,615" with room to spare.
constexpr size_t kCountWidth = 13;
// Windows kept before expired ones are forgotten (bounds memory under a flood of sources).
constexpr size_t kMaxWindows = 4096;

// "2991" -> "        2,991" (right-aligned in kCountWidth, thousands separated).
std::string FormatCount(uint64_t n) {
  std::string digits = std::to_string(n);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i != 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  if (out.size() < kCountWidth) out.insert(0, kCountWidth - out.size(), ' ');
  return out;
}

std::string DirOf(const std::string& path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? "." : path.substr(0, slash);
}

}  // namespace

std::string FormatUtc(uint64_t unix_seconds) {
  std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

Result<std::unique_ptr<AuditLog>> AuditLog::Open(Env& env, const std::string& path,
                                                 std::function<uint64_t()> clock,
                                                 AuditLimits limits) {
  Result<std::unique_ptr<File>> file =
      env.OpenFile(path, {.write = true, .create = true, .mode = 0600});
  if (!file.ok()) return file.status();
  Result<uint64_t> size = (*file)->Size();
  if (!size.ok()) return size.status();
  return std::unique_ptr<AuditLog>(
      new AuditLog(env, std::move(*file), *size, std::move(clock), limits));
}

AuditLog::Window& AuditLog::CurrentWindow(std::map<std::string, Window>& windows, std::string key,
                                          uint64_t now) {
  if (windows.size() >= kMaxWindows) {
    std::erase_if(windows,
                  [&](const auto& kv) { return now >= kv.second.start + limits_.window_seconds; });
  }
  auto [it, fresh] = windows.try_emplace(std::move(key));
  Window& w = it->second;
  if (fresh || now >= w.start + limits_.window_seconds || now < w.start) w = Window{.start = now};
  return w;
}

Status AuditLog::Append(std::string_view event, std::string_view details, std::string_view source) {
  std::unique_lock lock(mu_);
  if (failed_) return Status::Failed("audit log " + file_->path() + " failed earlier");
  const uint64_t now = clock_();
  Status s;
  if (limits_.lines_per_source == 0) {
    s = WriteLineLocked(now, event, details, now);
  } else {
    std::string key(event);
    key += '\0';
    key += source;
    Window& mine = CurrentWindow(by_source_, std::move(key), now);
    Window& all = CurrentWindow(by_event_, std::string(event), now);
    const bool event_has_room =
        limits_.lines_per_event == 0 || all.lines < limits_.lines_per_event;  // 0: no cap
    if (mine.lines < limits_.lines_per_source && event_has_room) {
      ++mine.lines;
      ++all.lines;
      s = WriteLineLocked(now, event, details, now);
    } else if (mine.lines >= limits_.lines_per_source) {
      s = CountLocked(mine, now, event, source.empty() ? kAnySource : source);
    } else {
      s = CountLocked(all, now, event, kAnySource);
    }
  }
  if (s.ok()) s = SyncLocked(lock);
  if (!s.ok() && !failed_) {  // this thread's write, or the sync it led, failed
    failed_ = true;
    return s.WithContext("writing the audit log");
  }
  return s;
}

Status AuditLog::WriteLineLocked(uint64_t stamp, std::string_view event, std::string_view details,
                                 uint64_t now) {
  std::string line = FormatUtc(stamp);  // += only: GCC 12 warns falsely on a + chain
  line += ' ';
  line += event;
  if (!details.empty()) {
    line += ' ';
    line += details;
  }
  line += '\n';
  if (limits_.max_bytes != 0 && offset_ + line.size() > limits_.max_bytes) {
    if (Status s = RotateLocked(now); !s.ok()) return s;
  }
  Status s = WriteFully(*file_, offset_, AsBytes(line));
  if (s.ok()) offset_ += line.size();
  return s;
}

Status AuditLog::CountLocked(Window& w, uint64_t now, std::string_view event,
                             std::string_view source) {
  const uint64_t count = w.counted + 1;
  if (w.has_summary) {
    Status s = WriteFully(*file_, w.count_offset, AsBytes(FormatCount(count)));
    if (s.ok()) w.counted = count;
    return s;
  }
  std::string head = std::string(source) + std::string(kSummaryAnd);
  std::string tail = std::string(kSummaryMarker) + std::to_string(limits_.window_seconds) + " s";
  // The summary line is written like any line (it may rotate the log first); its count
  // field sits at a fixed place from the line's end.
  Status s = WriteLineLocked(w.start, event, head + FormatCount(count) + tail, now);
  if (!s.ok()) return s;
  w.counted = count;  // after a rotation the write may have caused, which resets counts
  w.has_summary = true;
  w.count_offset = offset_ - 1 - tail.size() - kCountWidth;
  return Status::Ok();
}

Status AuditLog::RotateLocked(uint64_t now) {
  std::string old_text(offset_, '\0');
  if (Status s = ReadFully(*file_, 0, {reinterpret_cast<uint8_t*>(old_text.data()), offset_});
      !s.ok()) {
    return s;
  }
  const std::string text = RotateAuditText(old_text, now, limits_.max_bytes);
  const std::string path = file_->path();
  const std::string tmp = path + ".rotating";
  Result<std::unique_ptr<File>> fresh =
      env_.OpenFile(tmp, {.write = true, .create = true, .truncate = true, .mode = 0600});
  if (!fresh.ok()) return fresh.status();
  if (Status s = WriteFully(**fresh, 0, AsBytes(text)); !s.ok()) return s;
  if (Status s = (*fresh)->Sync(); !s.ok()) return s;
  if (Status s = env_.RenameFile(tmp, path); !s.ok()) return s;
  if (Status s = env_.SyncDir(DirOf(path)); !s.ok()) return s;
  // Reopened by its own name, so that the handle names the log and not the temporary.
  Result<std::unique_ptr<File>> reopened = env_.OpenFile(path, {.write = true});
  if (!reopened.ok()) return reopened.status();
  file_ = std::move(*reopened);
  offset_ = text.size();
  commit_.CoverAll();  // the new file is synced and accounts for every earlier line
  // Summaries in the old file are final; later events start new ones.
  for (auto* windows : {&by_source_, &by_event_}) {
    for (auto& [key, w] : *windows) w.has_summary = false, w.counted = 0;
  }
  return Status::Ok();
}

Status AuditLog::SyncLocked(std::unique_lock<std::mutex>& lock) {
  return commit_.Wait(
      lock, commit_.Issue(),
      [this] {
        return failed_ ? Status::Failed("audit log " + file_->path() + " failed earlier")
                       : Status::Ok();
      },
      [this] { return [file = file_] { return file->DataSync(); }; });
}

}  // namespace otc::padstore
