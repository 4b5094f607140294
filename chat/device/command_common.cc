#include "chat/device/command_common.h"

#include <iostream>

#include "chat/rpc/error_category.h"
#include "common/byte_size.h"

namespace otc::device {

Result<OpenedDevice> OpenDevice(const CommonArgs& args, const std::string& default_confirm) {
  auto policy = ConfirmPolicy::Parse(args.confirm.empty() ? default_confirm : args.confirm);
  if (!policy.ok()) return policy.status();
  auto max_message = ParseByteSize(args.max_message);
  if (!max_message.ok()) return max_message.status().WithContext("--max-message");
  if (!(args.confirm_timeout_s > 0) || args.confirm_timeout_s > 86400) {
    return Status::InvalidArgument("--confirm-timeout must be between 0 and 86400 seconds");
  }
  OpenedDevice opened;
  DeviceOptions options;
  options.confirm = *policy;
  options.hide_length = args.hide_length;
  options.max_message = static_cast<size_t>(*max_message);
  if (policy->MayPrompt()) {
    auto prompter = TtyPrompter::Open(
        args.confirm_tty,
        std::chrono::milliseconds(static_cast<int64_t>(args.confirm_timeout_s * 1000)));
    if (!prompter.ok()) return Status::InvalidArgument(prompter.status().message());
    opened.prompter = std::move(*prompter);
    options.prompter = opened.prompter.get();
  }
  auto service = DeviceService::Open(args.store, std::move(options));
  if (!service.ok()) {
    // Not a request's category: a store that cannot be opened is the device's own
    // problem (exit 1), except a store held by another process (exit 10).
    const Status& s = service.status();
    if (s.code() == Status::Code::kBusy || s.code() == Status::Code::kInvalidArgument) return s;
    return Status::Internal(s.message());
  }
  opened.service = std::move(*service);
  return opened;
}

int ReportError(std::string_view what, const Status& status) {
  const rpc::ErrorCategory category = rpc::CategoryFor(status.code());
  std::string label;
  if (status.code() == Status::Code::kBusy) {
    label = "store in use: ";
  } else if (category != rpc::ErrorCategory::kInternal) {
    label = std::string(rpc::CategoryName(category)) + ": ";
  }
  std::cerr << "otc-device: " << what << ": " << label << status.message() << "\n";
  return rpc::ExitCodeFor(status);
}

const char* ExitCodeHelp() {
  return "Exit codes:\n"
         "  0  ok\n"
         "  1  internal: device-side failure (details in STORE/device-audit.log)\n"
         "  2  bad_request: malformed input or usage\n"
         "  3  unknown_contact\n"
         "  4  pad_exhausted: not enough pad left for the message\n"
         "  5  denied: the confirmation was refused or timed out\n"
         "  6  replay: the package's pad was already decrypted\n"
         "  7  integrity: the package was altered or forged\n"
         "  8  too_large: message or package over the limit\n"
         "  10 store in use: a running daemon (or another process) holds the store\n";
}

}  // namespace otc::device
