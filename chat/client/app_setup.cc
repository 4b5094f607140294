#include "chat/client/app_setup.h"

#include <cstdio>

#include "chat/client/config.h"
#include "chat/client/device_client.h"
#include "chat/client/names.h"
#include "chat/client/relay_account.h"
#include "chat/client/relay_client.h"
#include "chat/client/relay_endpoints.h"
#include "common/cli/failure.h"
#include "common/http/listen_address.h"
#include "common/http/tls.h"
#include "common/secret_buffer.h"

namespace otc::client {

namespace {
bool g_json_errors = false;
}  // namespace

void PrintError(const std::string& message) { std::fprintf(stderr, "otc: %s\n", message.c_str()); }

void SetJsonErrors(bool json) { g_json_errors = json; }

int Fail(int exit_code, const std::string& message) {
  return cli::ReportFailure("otc", {exit_code, message, ""}, g_json_errors);
}

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
  options.pin = config.relay_pin;
  Result<std::unique_ptr<HttpRelayClient>> r = HttpRelayClient::Create(relays, options);
  if (!r.ok()) return r.status();
  return std::unique_ptr<RelayApi>(std::move(*r));
}

std::variant<int, std::unique_ptr<Setup>> Prepare(const CommonFlags& flags, bool need_device_up) {
  auto setup = std::make_unique<Setup>();
  Result<ClientConfig> config = LoadClientConfig(flags.config_dir, flags.values, ProcessEnv());
  if (!config.ok()) {
    return Fail(kExitUsage, config.status().message());
  }
  setup->config = *config;
  if (setup->config.device.empty()) {
    return Fail(
        kExitUsage,
        "no device given: pass --device unix:PATH (the socket in your store directory) or set "
        "device = ... in " +
            setup->config.config_dir + "/config");
  }
  Result<Endpoint> device = ParseEndpoint(setup->config.device, "device");
  Result<std::vector<Endpoint>> relays = ParseRelayList(setup->config.relay);
  Status pin = setup->config.relay_pin.empty() ? Status::Ok()
                                               : http::ParsePin(setup->config.relay_pin).status();
  for (const Status& s : {device.status(), relays.status(), pin}) {
    if (!s.ok()) {
      return Fail(kExitUsage, s.message());
    }
  }
  setup->device = *device;
  setup->relays = *relays;
  setup->relay = setup->relays.front();
  std::vector<const Endpoint*> endpoints{&setup->device};
  for (const Endpoint& ep : setup->relays) endpoints.push_back(&ep);
  for (const Endpoint* ep : endpoints) {
    if (Result<http::ListenAddress> a = http::ParseListenAddress(ConnectAddress(*ep)); !a.ok()) {
      return Fail(kExitUsage,
                  (ep == &setup->device ? "device: " : "relay: ") + a.status().message());
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
      return Fail(kExitUsage, token.status().message());
    }
    setup->token = std::move(*token);
  } else if (setup->device.kind == Endpoint::Kind::kTcp) {
    return Fail(kExitUsage,
                "a TCP device needs --token-file (the shared secret the device was started with)");
  }
  if (!setup->config.user.empty()) {
    if (Status s = CheckUid(setup->config.user); !s.ok()) {
      return Fail(kExitUsage, s.message());
    }
  }
  Result<std::unique_ptr<DeviceApi>> dev = setup->NewDevice();
  if (!dev.ok()) {
    return Fail(kExitUsage, dev.status().message());
  }
  Result<std::string> owner = (*dev)->Health();
  if (!owner.ok()) {
    if (need_device_up || setup->config.user.empty()) {
      bool down = owner.status().code() == Status::Code::kUnavailable;
      return Fail(ExitCodeFor(owner.status(), false),
                  (down ? "cannot reach the device: " : "") + owner.status().message() +
                      (down && setup->config.user.empty() ? " (and no --user given)" : ""));
    }
    PrintError("warning: device not reachable yet (" + owner.status().message() +
               "); will keep trying");
  } else if (setup->config.user.empty()) {
    setup->config.user = *owner;
  } else if (*owner != setup->config.user) {
    return Fail(kExitUsage, "the device at " + setup->device.ToString() + " belongs to '" + *owner +
                                "', not '" + setup->config.user + "': check --device and --user");
  }
  return setup;
}

int ExitCodeFor(const Status& s, bool from_relay) {
  using C = Status::Code;
  switch (s.code()) {
    case C::kOk:
      return kExitOk;
    case C::kUnavailable:
      return kExitUnreachable;
    case C::kInternal:
      return kExitInternal;
    default:
      break;
  }
  if (from_relay) return kExitRelayRefused;
  // The device's category, with the number every otc program gives it.
  switch (s.code()) {
    case C::kInvalidArgument:
      return cli::kExitUsage;
    case C::kNotFound:
      return cli::kExitUnknownContact;
    case C::kExhausted:
      return cli::kExitPadExhausted;
    case C::kDenied:
      return cli::kExitDenied;
    case C::kReplay:
      return cli::kExitReplay;
    case C::kIntegrity:
      return cli::kExitIntegrity;
    case C::kTooLarge:
      return cli::kExitTooLarge;
    default:
      return kExitInternal;
  }
}

}  // namespace otc::client
