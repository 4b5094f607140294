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

// Everything a subcommand needs, resolved and checked.
struct Setup {
  ClientConfig config;
  Endpoint device;
  Endpoint relay;                // the first of `relays`: names the relay (cursor key)
  std::vector<Endpoint> relays;  // tried in order (relay_endpoints.h)
  std::string token;
  ~Setup();

  Result<std::unique_ptr<DeviceApi>> NewDevice() const;
  Result<std::unique_ptr<RelayApi>> NewRelay() const;
};

// The Setup, or the exit code to leave with (the error is already printed). With
// `need_device_up` an unreachable device is an error; otherwise a warning (the client will
// keep trying) as long as the user is known.
std::variant<int, std::unique_ptr<Setup>> Prepare(const CommonFlags& flags, bool need_device_up);

}  // namespace otc::client
