#include "chat/device/command_common.h"

#include "chat/rpc/error_category.h"
#include "common/byte_size.h"
#include "common/cli/exit_codes.h"
#include "common/cli/failure.h"

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
  if (args.mark_mirror != "none") options.store.mark_mirror_dir = args.mark_mirror;
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

int ReportError(std::string_view what, const Status& status, bool json) {
  // The exit code (and with --json the "error" name) carries the category; the line says
  // what failed once, without repeating it as a label.
  return cli::ReportFailure(
      "otc-device", {rpc::ExitCodeFor(status), std::string(what) + ": " + status.message(), ""}, json);
}

std::string ExitCodeHelp() {
  return cli::ExitCodeTable(
      {{cli::kExitOk},
       {cli::kExitFailed, "internal: device-side failure (details in STORE/device-audit.log)"},
       {cli::kExitUsage, "bad_request: malformed input or usage"},
       {cli::kExitUnknownContact},
       {cli::kExitPadExhausted},
       {cli::kExitDenied, "the confirmation was refused or timed out"},
       {cli::kExitReplay, "the package's pad was already decrypted"},
       {cli::kExitIntegrity},
       {cli::kExitTooLarge, "message or package over the limit"},
       {cli::kExitInUse, "a running daemon (or another process) holds the store"}});
}

}  // namespace otc::device
