// The interactive commands, parsed from one input line (pure functions, no I/O).
//
// The 2015 command set, with the same names:
//   send USER MESSAGE            one message to one contact
//   ms U1,U2,... MESSAGE         the same message to several contacts (one package each)
//   group NAME U1,U2,...         define (or redefine) a group; `group NAME` shows it,
//                                `group` lists all groups
//   gs NAME MESSAGE              send to every member of a group (one package each)
//   id                           show your user id, device and relay
//   help                         list the commands
//   clear                        clear the screen
//   quit | q | exit              leave
// Added: `contacts` (pad left per contact, asked from the device) and `ungroup NAME`.
//
// MESSAGE is the rest of the line after the target, with the separating whitespace
// removed and everything else (inner and trailing spaces) kept as typed.
#pragma once

#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "common/status.h"

namespace otc::client {

struct EmptyCommand {};
struct SendCommand {
  std::vector<std::string> to;  // one for `send`, several for `ms`
  std::string text;
};
struct GroupSendCommand {
  std::string group;
  std::string text;
};
struct GroupDefineCommand {
  std::string name;                  // empty: list all groups
  std::vector<std::string> members;  // empty: show `name`
};
struct UngroupCommand {
  std::string name;
};
struct IdCommand {};
struct HelpCommand {};
struct ClearCommand {};
struct QuitCommand {};
struct ContactsCommand {};

using Command =
    std::variant<EmptyCommand, SendCommand, GroupSendCommand, GroupDefineCommand, UngroupCommand,
                 IdCommand, HelpCommand, ClearCommand, QuitCommand, ContactsCommand>;

// Parses one line. Errors are InvalidArgument with a one-line message saying the usage.
Result<Command> ParseCommand(std::string_view line);

// Empty or whitespace-only text is no message. `otc chat`, `otc send` and the Sender all
// refuse it with this error before the device is asked, so no pad is spent.
Status CheckMessageText(std::string_view text);

// Every command word, sorted (for help and tab completion).
const std::vector<std::string>& CommandNames();

// The text `help` prints (several lines, each ending in '\n').
std::string HelpText();

}  // namespace otc::client
