#include "chat/device/device_audit.h"

#include <ctime>
#include <iostream>

namespace otc::device {

namespace {

// The "peer=..." or "remote=..." word of a line's details: whom a repeat comes from.
std::string_view SourceOf(std::string_view details) {
  for (std::string_view key : {"peer=", "remote="}) {
    for (size_t at = details.find(key); at != std::string_view::npos;
         at = details.find(key, at + 1)) {
      if (at != 0 && details[at - 1] != ' ') continue;  // "xpeer=" is another word
      std::string_view word = details.substr(at);
      word = word.substr(0, word.find(' '));
      if (word.ends_with(':')) word.remove_suffix(1);
      return word;
    }
  }
  return {};
}

}  // namespace

padstore::AuditLimits DeviceAudit::DefaultLimits() { return padstore::kBoundedAudit; }

Result<std::unique_ptr<DeviceAudit>> DeviceAudit::Open(Env* env, const std::string& store_dir,
                                                       padstore::AuditLimits limits) {
  auto log = padstore::AuditLog::Open(
      *env, FileName(store_dir), [] { return static_cast<uint64_t>(std::time(nullptr)); }, limits);
  if (!log.ok()) return log.status().WithContext("opening the device audit log");
  return std::unique_ptr<DeviceAudit>(new DeviceAudit(std::move(*log)));
}

Status DeviceAudit::Record(std::string_view event, std::string_view details) {
  Status s = log_->Append(event, details, SourceOf(details));
  if (!s.ok()) std::cerr << "otc-device: audit log: " << s.ToString() << "\n";
  return s;
}

std::string DeviceAudit::Sanitize(std::string_view text) {
  constexpr size_t kMax = 200;
  std::string out;
  for (char c : text.substr(0, kMax)) {
    out += (c >= 0x20 && c <= 0x7e) ? c : '?';
  }
  if (text.size() > kMax) out += "...";
  return out;
}

}  // namespace otc::device
