// otc-device pair: connects a laptop's client to a device on its own host in one step.
//
//   otc-device pair --store DIR --listen tcp:ADDRESS:PORT [--token-file F]
//                   [--service-config F|none] [--relay URL] [--new-token] [--json]
//
// On the device it makes (or keeps) the bearer token file (mode 0600) and writes the
// settings of the systemd unit otc-device@NAME.service (OTC_DEVICE_LISTEN=...; other lines
// of an existing file are kept). NAME is the store directory's last component, and the
// defaults match the packaged layout: store /var/lib/otc-device/NAME, token
// /etc/otc/device-NAME.token, settings /etc/otc/device-NAME.conf. It then prints how to
// start the device, and one shell command to paste on the laptop: it writes the token
// to the client's config dir (mode 0600) and adds to the client's config file
//   user = OWNER   device = http://ADDRESS:PORT   token_file = <that file>   [relay = URL]
// Running pair again keeps the token (the laptop keeps working); --new-token replaces it.
//
// Exit codes: 0 ok, 1 a file could not be written, 2 bad usage or input (no store there,
// a listen address the laptop cannot reach, a token file readable by others).
#pragma once

#include <string>

namespace CLI {
class App;
}

namespace otc::device {

struct PairArgs {
  std::string store;
  std::string listen;
  std::string token_file;      // empty: /etc/otc/device-NAME.token
  std::string service_config;  // empty: /etc/otc/device-NAME.conf; "none": not written
  std::string relay;           // empty: no relay line
  bool new_token = false;
  bool json = false;
};

// Adds the `pair` subcommand to `app`, filling `args`; returns it (test with *result).
CLI::App* AddPairCommand(CLI::App& app, PairArgs& args);
int RunPair(const PairArgs& args);

}  // namespace otc::device
