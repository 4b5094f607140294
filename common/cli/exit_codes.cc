#include "common/cli/exit_codes.h"

#include <array>
#include <cstdio>

namespace otc::cli {
namespace {

struct Row {
  int code;
  std::string_view name;
  std::string_view meaning;
};

constexpr std::array<Row, 19> kRows = {{
    {kExitOk, "ok", "success"},
    {kExitFailed, "failed", "the operation failed"},
    {kExitUsage, "usage", "bad command line, configuration or arguments; nothing was done"},
    {kExitUnknownContact, "unknown_contact", "no contact of that name"},
    {kExitPadExhausted, "pad_exhausted", "not enough pad left for the message"},
    {kExitDenied, "denied", "the device's user refused, or the confirmation timed out"},
    {kExitReplay, "replay", "the package uses pad that was already decrypted"},
    {kExitIntegrity, "integrity", "the package was altered or forged"},
    {kExitTooLarge, "too_large", "message, package or request over the limit"},
    {kExitUnauthorized, "unauthorized", "missing or wrong bearer token"},
    {kExitInUse, "in_use", "another process (a running device) holds the store"},
    {kExitUnreachable, "unreachable", "the device or the relay could not be reached"},
    {kExitRelayRefused, "relay_refused", "the relay refused the message"},
    {kExitCannotStart, "cannot_start", "a listen address, socket or database could not be opened"},
    {kExitDamaged, "damaged", "data differs from its digests or checks"},
    {kExitRepaired, "repaired", "errors were found and corrected"},
    {kExitEntropyLow, "entropy_low", "the given --min-entropy is above the estimate"},
    {kExitQueued, "queued", "the message is queued and will be retried"},
    {kExitInterrupted, "interrupted", "stopped by SIGINT or SIGTERM"},
}};

const Row& Find(int code) {
  for (const Row& row : kRows) {
    if (row.code == code) return row;
  }
  return kRows[1];  // any other non-zero code is a plain failure
}

}  // namespace

std::string_view ExitCodeName(int code) { return Find(code).name; }

std::string_view ExitCodeMeaning(int code) { return Find(code).meaning; }

std::string ExitCodeTable(std::initializer_list<ExitCodeRow> rows) {
  std::string out = "Exit codes (the same in every otc program, see docs/CLI.md):\n";
  for (const ExitCodeRow& row : rows) {
    char code[8];
    std::snprintf(code, sizeof code, "%4d", row.code);
    out += code;
    out += "  ";
    out += ExitCodeName(row.code);
    out += ": ";
    out += row.note.empty() ? ExitCodeMeaning(row.code) : row.note;
    out += '\n';
  }
  return out;
}

}  // namespace otc::cli
