// Helpers shared by the otc-device subcommands: turning CommonArgs into DeviceOptions,
// printing one-line errors with the right exit code.
#pragma once

#include <memory>
#include <string>

#include "chat/device/commands.h"
#include "chat/device/device_service.h"
#include "chat/device/prompter.h"

namespace otc::device {

struct OpenedDevice {
  std::unique_ptr<TtyPrompter> prompter;  // null for --confirm auto
  std::unique_ptr<DeviceService> service;
};

// Parses the policy, opens the terminal if the policy may prompt, opens the store.
Result<OpenedDevice> OpenDevice(const CommonArgs& args, const std::string& default_confirm);

// Prints "otc-device: <what>: <message>" to stderr, or with `json` the JSON error object
// on stdout (docs/CLI.md); returns the exit code for `status`.
int ReportError(std::string_view what, const Status& status, bool json = false);

}  // namespace otc::device
