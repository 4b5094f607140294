// What every `otc` subcommand does first: resolve the settings (config.h), parse the
// device and relay addresses, load the token, and check the user against the device's
// owner (the user defaults to the owner). Internal to the otc executable.
#pragma once

#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "chat/client/api.h"
#include "chat/client/app.h"
#include "chat/client/endpoint.h"

namespace otc::client {

// "otc: <message>" on stderr.
void PrintError(const std::string& message);

// Reports a failure that ends the command (docs/CLI.md): "otc: <message>" on stderr, or a
// JSON object on stdout after SetJsonErrors(true) (the command line has --json). Returns
// `exit_code`.
int Fail(int exit_code, const std::string& message);
void SetJsonErrors(bool json);

// Everything a subcommand needs, resolved and checked.
struct Setup {
  ClientConfig config;
  Endpoint device;
  Endpoint relay;                // the first of `relays`: names the relay (cursor key)
  std::vector<Endpoint> relays;  // tried in order (relay_endpoints.h)
  std::string token;
  std::string relay_token;  // the relay account's (relay_account.h); "" if none
  ~Setup();

  Result<std::unique_ptr<DeviceApi>> NewDevice() const;
  Result<std::unique_ptr<RelayApi>> NewRelay() const;
};

// The Setup, or the exit code to leave with (the error is already printed). With
// `need_device_up` an unreachable device is an error; otherwise a warning (the client will
// keep trying) as long as the user is known.
std::variant<int, std::unique_ptr<Setup>> Prepare(const CommonFlags& flags, bool need_device_up);

}  // namespace otc::client
