#include "chat/device/device_audit.h"

#include <ctime>
#include <iostream>

namespace otc::device {

Result<std::unique_ptr<DeviceAudit>> DeviceAudit::Open(Env* env, const std::string& store_dir) {
  auto log = padstore::AuditLog::Open(*env, FileName(store_dir),
                                      [] { return static_cast<uint64_t>(std::time(nullptr)); });
  if (!log.ok()) return log.status().WithContext("opening the device audit log");
  return std::unique_ptr<DeviceAudit>(new DeviceAudit(std::move(*log)));
}

Status DeviceAudit::Record(std::string_view event, std::string_view details) {
  Status s = log_->Append(event, details);
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
