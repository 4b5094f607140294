// otc register: creates the user's account on the relay and stores its token.
#include <cstdio>

#include "chat/client/app.h"
#include "chat/client/app_setup.h"
#include "chat/client/relay_account.h"
#include "chat/client/relay_client.h"
#include "common/secret_buffer.h"

namespace otc::client {

int RunRegister(const CommonFlags& flags) {
  auto prepared = Prepare(flags, /*need_device_up=*/false);
  if (int* code = std::get_if<int>(&prepared)) return *code;
  Setup& setup = *std::get<std::unique_ptr<Setup>>(prepared);
  if (setup.config.user.empty()) {
    PrintError("no user id: pass --user or start your device, whose owner is the default");
    return kExitUsage;
  }
  if (!setup.relay_token.empty()) {
    PrintError("already registered: " + RelayTokenPath(setup.config.config_dir) +
               " holds your relay token (remove it to register again)");
    return kExitUsage;
  }
  RelayClientOptions options;
  options.pin = setup.config.relay_pin;
  Result<std::unique_ptr<HttpRelayClient>> relay = HttpRelayClient::Create(setup.relays, options);
  if (!relay.ok()) {
    PrintError(relay.status().message());
    return kExitUsage;
  }
  Result<std::string> token = (*relay)->Register(setup.config.user);
  if (!token.ok()) {
    PrintError(token.status().message());
    return ExitCodeFor(token.status(), /*from_relay=*/true);
  }
  Status saved = SaveRelayToken(setup.config.config_dir, *token);
  Wipe({reinterpret_cast<uint8_t*>(token->data()), token->size()});
  if (!saved.ok()) {
    PrintError("registered '" + setup.config.user +
               "' but could not store the token: " + saved.message());
    return kExitInternal;
  }
  std::printf("registered '%s' on %s; token kept in %s\n", setup.config.user.c_str(),
              setup.relay.ToString().c_str(), RelayTokenPath(setup.config.config_dir).c_str());
  return kExitOk;
}

}  // namespace otc::client
