// Client settings: where they come from and which one wins.
//
// Precedence, highest first: command-line flags, environment variables, the config file,
// built-in defaults. The config file is `<config dir>/config`, where the config dir is
// --config-dir, else $OTC_CONFIG_DIR, else $XDG_CONFIG_HOME/otc, else $HOME/.config/otc.
// The same directory holds the group definitions (groups.h).
//
// Config file format: one `key = value` per line; blank lines and lines starting with '#'
// are ignored; whitespace around key and value is trimmed; a value starting with "~/" is
// relative to $HOME. Unknown keys and lines without '=' are errors naming file:line, so a
// typo never silently falls back to a default.
//
//   key          environment       flag            meaning
//   user         OTC_USER          --user          your user id (as on your device's store)
//   device       OTC_DEVICE        --device        unix:PATH or http://HOST:PORT of otc-device
//   token_file   OTC_TOKEN_FILE    --token-file    bearer token file for a TCP device
//   relay        OTC_RELAY         --relay         http://HOST:PORT, https://HOST:PORT or
//                                                  unix:PATH of otc-relay; several, comma-
//                                                  separated, for failover (relay_endpoints.h)
//   relay_pin    OTC_RELAY_PIN     --relay-pin     sha256:<hex> of an https relay's public key
//                                                  (instead of the system CA store; tls.h)
//   history      OTC_HISTORY       --history       transcript file (off unless set), mode 0600
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "common/env.h"
#include "common/status.h"

namespace otc::client {

// One layer of settings; unset fields fall through to the next layer.
struct ConfigValues {
  std::optional<std::string> user;
  std::optional<std::string> device;
  std::optional<std::string> token_file;
  std::optional<std::string> relay;
  std::optional<std::string> relay_pin;
  std::optional<std::string> history;
};

// The merged result.
struct ClientConfig {
  std::string config_dir;
  std::string user;        // empty if never given
  std::string device;      // empty if never given
  std::string token_file;  // empty: no token
  std::string relay;
  std::string relay_pin;  // empty: https relays are checked against the system store
  std::string history;    // empty: no transcript file
};

inline constexpr std::string_view kDefaultRelay = "http://127.0.0.1:9050";

// Looks up an environment variable (tests pass a map instead of getenv).
using EnvLookup = std::function<std::optional<std::string>(const char* name)>;
EnvLookup ProcessEnv();

// Parses config-file text; `source` (a path) names the file in errors.
Result<ConfigValues> ParseConfigText(std::string_view text, std::string_view source,
                                     const EnvLookup& env);

ConfigValues ConfigFromEnv(const EnvLookup& env);

// The config directory (see the top of this file). Error if none can be determined.
// Creates `dir` and every missing parent, each with mode 0700 (a new user has no
// ~/.config yet). Existing directories are left as they are.
Status CreateDirWithParents(Env& env, const std::string& dir);

Result<std::string> ResolveConfigDir(const std::optional<std::string>& flag, const EnvLookup& env);

// flags > env > file > defaults.
ClientConfig MergeConfig(std::string config_dir, const ConfigValues& file, const ConfigValues& env,
                         const ConfigValues& flags);

// Resolves the dir, reads `<dir>/config` if it exists, merges. A missing file is fine; an
// unreadable or malformed one is an error.
Result<ClientConfig> LoadClientConfig(const std::optional<std::string>& config_dir_flag,
                                      const ConfigValues& flags, const EnvLookup& env);

}  // namespace otc::client
