#include "chat/client/app_setup.h"

#include <cstdio>

#include "chat/client/config.h"
#include "chat/client/device_client.h"
#include "chat/client/names.h"
#include "chat/client/relay_client.h"
#include "chat/client/relay_endpoints.h"
#include "common/http/listen_address.h"
#include "common/http/tls.h"
#include "common/secret_buffer.h"

namespace otc::client {

void PrintError(const std::string& message) { std::fprintf(stderr, "otc: %s\n", message.c_str()); }

Setup::~Setup() { Wipe({reinterpret_cast<uint8_t*>(token.data()), token.size()}); }

Result<std::unique_ptr<DeviceApi>> Setup::NewDevice() const {
  Result<std::unique_ptr<HttpDeviceClient>> d = HttpDeviceClient::Create(device, token);
  if (!d.ok()) return d.status();
  return std::unique_ptr<DeviceApi>(std::move(*d));
}

Result<std::unique_ptr<RelayApi>> Setup::NewRelay() const {
  RelayClientOptions options;
  options.pin = config.relay_pin;
  Result<std::unique_ptr<HttpRelayClient>> r = HttpRelayClient::Create(relays, options);
  if (!r.ok()) return r.status();
  return std::unique_ptr<RelayApi>(std::move(*r));
}

std::variant<int, std::unique_ptr<Setup>> Prepare(const CommonFlags& flags, bool need_device_up) {
  auto setup = std::make_unique<Setup>();
  Result<ClientConfig> config = LoadClientConfig(flags.config_dir, flags.values, ProcessEnv());
  if (!config.ok()) {
    PrintError(config.status().message());
    return kExitUsage;
  }
  setup->config = *config;
  if (setup->config.device.empty()) {
    PrintError(
        "no device given: pass --device unix:PATH (the socket in your store directory) or set "
        "device = ... in " +
        setup->config.config_dir + "/config");
    return kExitUsage;
  }
  Result<Endpoint> device = ParseEndpoint(setup->config.device, "device");
  Result<std::vector<Endpoint>> relays = ParseRelayList(setup->config.relay);
  Status pin = setup->config.relay_pin.empty() ? Status::Ok()
                                               : http::ParsePin(setup->config.relay_pin).status();
  for (const Status& s : {device.status(), relays.status(), pin}) {
    if (!s.ok()) {
      PrintError(s.message());
      return kExitUsage;
    }
  }
  setup->device = *device;
  setup->relays = *relays;
  setup->relay = setup->relays.front();
  std::vector<const Endpoint*> endpoints{&setup->device};
  for (const Endpoint& ep : setup->relays) endpoints.push_back(&ep);
  for (const Endpoint* ep : endpoints) {
    if (Result<http::ListenAddress> a = http::ParseListenAddress(ConnectAddress(*ep)); !a.ok()) {
      PrintError((ep == &setup->device ? "device: " : "relay: ") + a.status().message());
      return kExitUsage;
    }
  }
  if (!setup->config.token_file.empty()) {
    Result<std::string> token = ReadTokenFile(setup->config.token_file);
    if (!token.ok()) {
      PrintError(token.status().message());
      return kExitUsage;
    }
    setup->token = std::move(*token);
  } else if (setup->device.kind == Endpoint::Kind::kTcp) {
    PrintError("a TCP device needs --token-file (the shared secret the device was started with)");
    return kExitUsage;
  }
  if (!setup->config.user.empty()) {
    if (Status s = CheckUid(setup->config.user); !s.ok()) {
      PrintError(s.message());
      return kExitUsage;
    }
  }
  Result<std::unique_ptr<DeviceApi>> dev = setup->NewDevice();
  if (!dev.ok()) {
    PrintError(dev.status().message());
    return kExitUsage;
  }
  Result<std::string> owner = (*dev)->Health();
  if (!owner.ok()) {
    if (need_device_up || setup->config.user.empty()) {
      bool down = owner.status().code() == Status::Code::kUnavailable;
      PrintError((down ? "cannot reach the device: " : "the device refused: ") +
                 owner.status().message() +
                 (down && setup->config.user.empty() ? " (and no --user given)" : ""));
      return ExitCodeFor(owner.status(), false);
    }
    PrintError("warning: device not reachable yet (" + owner.status().message() +
               "); will keep trying");
  } else if (setup->config.user.empty()) {
    setup->config.user = *owner;
  } else if (*owner != setup->config.user) {
    PrintError("the device at " + setup->device.ToString() + " belongs to '" + *owner + "', not '" +
               setup->config.user + "': check --device and --user");
    return kExitUsage;
  }
  return setup;
}

int ExitCodeFor(const Status& s, bool from_relay) {
  switch (s.code()) {
    case Status::Code::kOk:
      return kExitOk;
    case Status::Code::kUnavailable:
      return kExitUnreachable;
    case Status::Code::kInternal:
      return kExitInternal;
    default:
      return from_relay ? kExitRelayRefused : kExitDeviceRefused;
  }
}

}  // namespace otc::client
