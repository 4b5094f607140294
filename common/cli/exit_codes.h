// The exit codes of every otc program: one number, one meaning, in all six of them
// (padgen, padstore, otc, otc-device, otc-relay, otc-entropy). docs/CLI.md lists them;
// each program's --help prints the rows it can return (ExitCodeTable).
//
// With --json a failing program prints {"error": NAME, ...} on stdout, where NAME is the
// row's stable name below (the device's RPC error categories use the same names).
//
//   code  name             meaning
//   0     ok               success
//   1     failed           the operation failed (I/O, internal error, failed storage)
//   2     usage            bad command line, configuration or arguments; nothing was done
//   3     unknown_contact  no contact of that name
//   4     pad_exhausted    not enough pad left for the message
//   5     denied           the device's user refused, or the confirmation timed out
//   6     replay           the package uses pad that was already decrypted
//   7     integrity        the package was altered or forged
//   8     too_large        message, package or request over the limit
//   9     unauthorized     missing or wrong bearer token
//   10    in_use           another process (a running device) holds the store
//   11    unreachable      the device or the relay could not be reached (after retries)
//   12    relay_refused    the relay refused the message
//   13    cannot_start     a listen address, socket or database could not be opened
//   14    damaged          data differs from its digests or checks (left as found)
//   15    repaired         fsck found errors and corrected them
//   16    entropy_low      the given --min-entropy is above the estimate
//   75    queued           the message is queued and will be retried (EX_TEMPFAIL)
//   130   interrupted      stopped by SIGINT or SIGTERM
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>

namespace otc::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailed = 1;
inline constexpr int kExitUsage = 2;
inline constexpr int kExitUnknownContact = 3;
inline constexpr int kExitPadExhausted = 4;
inline constexpr int kExitDenied = 5;
inline constexpr int kExitReplay = 6;
inline constexpr int kExitIntegrity = 7;
inline constexpr int kExitTooLarge = 8;
inline constexpr int kExitUnauthorized = 9;
inline constexpr int kExitInUse = 10;
inline constexpr int kExitUnreachable = 11;
inline constexpr int kExitRelayRefused = 12;
inline constexpr int kExitCannotStart = 13;
inline constexpr int kExitDamaged = 14;
inline constexpr int kExitRepaired = 15;
inline constexpr int kExitEntropyLow = 16;
inline constexpr int kExitQueued = 75;
inline constexpr int kExitInterrupted = 130;

// The stable name of an exit code ("usage", "unknown_contact", ...); "failed" for a
// number not in the table.
std::string_view ExitCodeName(int code);

// The shared meaning of an exit code, one line (no trailing period).
std::string_view ExitCodeMeaning(int code);

// The "Exit codes:" table for --help: one row per code, in the given order, with the
// shared meaning or, where a program says more, its own wording of it. Rows end in '\n'.
struct ExitCodeRow {
  int code;
  std::string_view note = {};  // replaces the shared meaning with this program's wording
};
std::string ExitCodeTable(std::initializer_list<ExitCodeRow> rows);

}  // namespace otc::cli
