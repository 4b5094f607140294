// The `otc` subcommands: chat (interactive), send and recv (scriptable).
//
// Exit codes (also in `otc --help`):
//   0  success
//   1  unexpected internal error
//   2  usage or configuration error (flags, config file, addresses, token file)
//   3  the device or the relay could not be reached (after retries)
//   4  the device refused (unknown contact, pad exhausted, denied, too large, bad token)
//   5  the relay refused the message (too large, invalid)
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "chat/client/config.h"
#include "common/status.h"

namespace otc::client {

inline constexpr int kExitOk = 0;
inline constexpr int kExitInternal = 1;
inline constexpr int kExitUsage = 2;
inline constexpr int kExitUnreachable = 3;
inline constexpr int kExitDeviceRefused = 4;
inline constexpr int kExitRelayRefused = 5;

// Flags shared by every subcommand (unset = fall back to env, then config file).
struct CommonFlags {
  std::optional<std::string> config_dir;
  ConfigValues values;
};

struct SendFlags {
  std::string to;                   // "bob" or "bob,carol"
  std::optional<std::string> text;  // unset: read standard input
  bool json = false;
};

struct RecvFlags {
  bool follow = false;
  bool json = false;
  uint32_t wait_seconds = 25;
};

int RunChat(const CommonFlags& flags);
int RunSend(const CommonFlags& flags, const SendFlags& send);
int RunRecv(const CommonFlags& flags, const RecvFlags& recv);
// Creates the user's relay account and keeps its token in the config directory.
int RunRegister(const CommonFlags& flags);

// The exit code for a failed Status from the device or relay.
int ExitCodeFor(const Status& s, bool from_relay);

}  // namespace otc::client
