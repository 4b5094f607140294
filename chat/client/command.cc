#include "chat/client/command.h"

#include "chat/client/names.h"

namespace otc::client {

namespace {

bool IsSpace(char c) { return c == ' ' || c == '\t'; }

std::string_view SkipSpace(std::string_view s) {
  while (!s.empty() && IsSpace(s.front())) s.remove_prefix(1);
  return s;
}

// Takes the next whitespace-delimited word off the front of `s`.
std::string_view NextWord(std::string_view& s) {
  s = SkipSpace(s);
  size_t end = 0;
  while (end < s.size() && !IsSpace(s[end])) ++end;
  std::string_view word = s.substr(0, end);
  s.remove_prefix(end);
  return word;
}

bool IsBlank(std::string_view s) { return SkipSpace(s).empty(); }

Status Usage(std::string_view usage) {
  return Status::InvalidArgument("usage: " + std::string(usage));
}

// The message after the target: drop exactly the separating whitespace.
Result<std::string> MessageText(std::string_view rest, std::string_view usage) {
  rest = SkipSpace(rest);
  if (Status s = CheckMessageText(rest); !s.ok()) {
    return Status::InvalidArgument(s.message() + " (usage: " + std::string(usage) + ")");
  }
  return std::string(rest);
}

template <typename T>
Result<Command> NoArgs(std::string_view rest, std::string_view name) {
  if (!IsBlank(rest)) return Usage(std::string(name) + " (takes no arguments)");
  return Command{T{}};
}

}  // namespace

const std::vector<std::string>& CommandNames() {
  static const std::vector<std::string> kNames = {"clear", "contacts", "exit", "group",
                                                  "gs",    "help",     "id",   "ms",
                                                  "q",     "quit",     "send", "ungroup"};
  return kNames;
}

std::string HelpText() {
  return "send USER MESSAGE          send MESSAGE to USER\n"
         "ms U1,U2,... MESSAGE       send MESSAGE to several users (one package each)\n"
         "group NAME U1,U2,...       define a group (kept in the config dir)\n"
         "group [NAME]               list groups, or show one\n"
         "ungroup NAME               forget a group\n"
         "gs NAME MESSAGE            send MESSAGE to every member of group NAME\n"
         "contacts                   pad left per contact (from the device)\n"
         "id                         your user id, device and relay\n"
         "clear                      clear the screen\n"
         "help                       this text\n"
         "quit | q | exit            leave\n"
         "Incoming messages appear as they arrive. Tab completes commands and names.\n";
}

Status CheckMessageText(std::string_view text) {
  if (text.find_first_not_of(" \t\r\n") == std::string_view::npos) {
    return Status::InvalidArgument("empty message: nothing sent, no pad used");
  }
  return Status::Ok();
}

Result<Command> ParseCommand(std::string_view line) {
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
  std::string_view rest = line;
  std::string_view word = NextWord(rest);
  if (word.empty()) return Command{EmptyCommand{}};

  if (word == "send") {
    constexpr std::string_view kUsage = "send USER MESSAGE";
    std::string_view to = NextWord(rest);
    if (to.empty()) return Usage(kUsage);
    if (Status s = CheckUid(to); !s.ok()) return s;
    Result<std::string> text = MessageText(rest, kUsage);
    if (!text.ok()) return text.status();
    return Command{SendCommand{{std::string(to)}, std::move(*text)}};
  }
  if (word == "ms") {
    constexpr std::string_view kUsage = "ms USER1,USER2,... MESSAGE";
    std::string_view list = NextWord(rest);
    if (list.empty()) return Usage(kUsage);
    Result<std::vector<std::string>> to = ParseUidList(list);
    if (!to.ok()) return to.status();
    Result<std::string> text = MessageText(rest, kUsage);
    if (!text.ok()) return text.status();
    return Command{SendCommand{std::move(*to), std::move(*text)}};
  }
  if (word == "gs") {
    constexpr std::string_view kUsage = "gs GROUP MESSAGE";
    std::string_view name = NextWord(rest);
    if (name.empty()) return Usage(kUsage);
    if (Status s = CheckUid(name, "group"); !s.ok()) return s;
    Result<std::string> text = MessageText(rest, kUsage);
    if (!text.ok()) return text.status();
    return Command{GroupSendCommand{std::string(name), std::move(*text)}};
  }
  if (word == "group") {
    std::string_view name = NextWord(rest);
    if (name.empty()) return Command{GroupDefineCommand{}};
    if (Status s = CheckUid(name, "group"); !s.ok()) return s;
    std::string_view list = NextWord(rest);
    if (!IsBlank(rest)) return Usage("group NAME USER1,USER2,... (no spaces in the list)");
    GroupDefineCommand g{std::string(name), {}};
    if (!list.empty()) {
      Result<std::vector<std::string>> members = ParseUidList(list);
      if (!members.ok()) return members.status();
      g.members = std::move(*members);
    }
    return Command{std::move(g)};
  }
  if (word == "ungroup") {
    std::string_view name = NextWord(rest);
    if (name.empty() || !IsBlank(rest)) return Usage("ungroup NAME");
    if (Status s = CheckUid(name, "group"); !s.ok()) return s;
    return Command{UngroupCommand{std::string(name)}};
  }
  if (word == "id") return NoArgs<IdCommand>(rest, word);
  if (word == "help") return NoArgs<HelpCommand>(rest, word);
  if (word == "clear") return NoArgs<ClearCommand>(rest, word);
  if (word == "contacts") return NoArgs<ContactsCommand>(rest, word);
  if (word == "quit" || word == "q" || word == "exit") return NoArgs<QuitCommand>(rest, word);
  return Status::InvalidArgument("unknown command '" + std::string(word.substr(0, 40)) +
                                 "': type help for the list");
}

}  // namespace otc::client
