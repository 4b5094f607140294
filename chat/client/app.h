// The `otc` subcommands: chat (interactive), send, recv, flush and contacts (scriptable).
//
// Exit codes (also in `otc --help`), every otc program's (common/cli/exit_codes.h):
//   0  success
//   1  unexpected internal error
//   2  usage or configuration error (flags, config file, addresses, token file)
//   3-8  the device refused, with its category's code: 3 unknown contact, 4 pad
//        exhausted, 5 denied (or a refused token), 6 replay, 7 integrity, 8 too large
//   11 the device or the relay could not be reached (after retries)
//   12 the relay refused the message (too large, invalid)
//   75 queued: the relay could not be reached; the message waits in the outbox (otc flush)
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "chat/client/config.h"
#include "common/cli/exit_codes.h"
#include "common/status.h"

namespace otc::client {

inline constexpr int kExitOk = cli::kExitOk;
inline constexpr int kExitInternal = cli::kExitFailed;
inline constexpr int kExitUsage = cli::kExitUsage;
inline constexpr int kExitUnreachable = cli::kExitUnreachable;
inline constexpr int kExitRelayRefused = cli::kExitRelayRefused;

// Flags shared by every subcommand (unset = fall back to env, then config file).
struct CommonFlags {
  std::optional<std::string> config_dir;
  ConfigValues values;
};

struct SendFlags {
  std::string to;                   // "bob" or "bob,carol"
  std::optional<std::string> text;  // unset: read standard input
  bool json = false;
  // How long to keep retrying an unreachable device or relay (then: queued, or not sent).
  uint32_t retry_seconds = 3;
};

struct RecvFlags {
  bool follow = false;
  bool json = false;
  uint32_t wait_seconds = 25;
  // Without --follow: how long to keep retrying an unreachable relay before giving up.
  uint32_t retry_seconds = 60;
};

struct FlushFlags {
  bool json = false;
  uint32_t retry_seconds = 3;  // how long to keep retrying an unreachable relay
};

struct ContactsFlags {
  bool json = false;
};

int RunChat(const CommonFlags& flags);
int RunSend(const CommonFlags& flags, const SendFlags& send);
int RunRecv(const CommonFlags& flags, const RecvFlags& recv);
int RunContacts(const CommonFlags& flags, const ContactsFlags& contacts);
// Sends what is queued in the outbox (app_flush.cc lists its exit codes).
int RunFlush(const CommonFlags& flags, const FlushFlags& flush);
// Creates the user's relay account and keeps its token in the config directory.
int RunRegister(const CommonFlags& flags);

// The exit code for a failed Status from the device or relay.
int ExitCodeFor(const Status& s, bool from_relay);

}  // namespace otc::client
