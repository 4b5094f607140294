#include "chat/client/app_setup.h"

#include <cstdio>

#include "chat/client/config.h"
#include "chat/client/device_client.h"
#include "chat/client/names.h"
#include "chat/client/relay_account.h"
#include "chat/client/relay_client.h"
#include "common/http/listen_address.h"
#include "common/secret_buffer.h"

namespace otc::client {

void PrintError(const std::string& message) { std::fprintf(stderr, "otc: %s\n", message.c_str()); }

Setup::~Setup() {
  Wipe({reinterpret_cast<uint8_t*>(token.data()), token.size()});
  Wipe({reinterpret_cast<uint8_t*>(relay_token.data()), relay_token.size()});
}

Result<std::unique_ptr<DeviceApi>> Setup::NewDevice() const {
  Result<std::unique_ptr<HttpDeviceClient>> d = HttpDeviceClient::Create(device, token);
  if (!d.ok()) return d.status();
  return std::unique_ptr<DeviceApi>(std::move(*d));
}

Result<std::unique_ptr<RelayApi>> Setup::NewRelay() const {
  RelayClientOptions options;
  options.account_token = relay_token;
  Result<std::unique_ptr<HttpRelayClient>> r = HttpRelayClient::Create(relay, options);
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
  Result<Endpoint> relay = ParseEndpoint(setup->config.relay, "relay");
  for (const Status& s : {device.status(), relay.status()}) {
    if (!s.ok()) {
      PrintError(s.message());
      return kExitUsage;
    }
  }
  setup->device = *device;
  setup->relay = *relay;
  for (const Endpoint* ep : {&setup->device, &setup->relay}) {
    if (Result<http::ListenAddress> a = http::ParseListenAddress(ConnectAddress(*ep)); !a.ok()) {
      PrintError((ep == &setup->device ? "device: " : "relay: ") + a.status().message());
      return kExitUsage;
    }
  }
  Result<std::string> relay_token = LoadRelayToken(setup->config.config_dir);
  if (!relay_token.ok()) {
    PrintError(relay_token.status().message());
    return kExitUsage;
  }
  setup->relay_token = std::move(*relay_token);
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
