// What the user sees: transcript lines for messages and clearly marked warnings.
//
// Every line starts with a local time "[HH:MM:SS]". An incoming message shows the time its
// sender's device packaged it (when the package carried it), and the arrival time too when
// the two differ by more than a minute: "[14:02:11, received 15:03:40] bob: text" (with
// dates when they fall on different days). Incoming: "[..] bob: text"; outgoing:
// "[..] alice -> bob: text". Warnings start with "!! " and name what happened and what it
// may mean, e.g. "[..] !! bob: integrity check FAILED, message discarded (possible forgery)".
// Text from the network (message text, names) is made safe for a terminal: control
// characters and escape sequences are shown as \xNN, a newline continues on an indented
// line. The text of a message that failed its integrity check is never available here:
// the device does not release it.
#pragma once

#include <cstdint>
#include <ctime>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace otc::client {

enum class WarningKind {
  kReplay,             // the device refused a package whose pad was already used
  kSkipped,            // pad was skipped before this message: earlier ones may be lost
  kLate,               // a message older than one already shown (reordered by the relay)
  kIntegrity,          // tag mismatch: possible forgery, text discarded
  kMalformed,          // the package is not a valid package (garbled, truncated, oversized)
  kUnknownContact,     // from someone the device has no pad with
  kDenied,             // the device's owner refused to decrypt it
  kPadLow,             // below 10%, then below 1%, of the pad left towards a contact
  kPadExhausted,       // no pad left to send to a contact
  kDeviceUnreachable,  // device did not answer (retrying)
  kRelayUnreachable,   // relay did not answer (retrying)
  kSendFailed,         // a message was not sent (the text is repeated so it is not lost)
  kRecovered,          // a peer that was unreachable answers again
  kRollback,           // the device found its store rolled back (restored) and moved past it
};

struct Warning {
  WarningKind kind;
  std::string peer;    // contact concerned, may be empty
  std::string detail;  // extra words (an error message, a percentage); no plaintext of others
};

// Stable snake_case code used in --json output ("replay", "skipped", "late", ...).
std::string_view WarningCode(WarningKind kind);

// One line (no trailing newline) for a warning.
std::string FormatWarning(const Warning& w, std::time_t when);

// "[HH:MM:SS] from: text" (incoming) — `text` is sanitized.
// The note shown instead of a message another client of this account already showed.
std::string FormatAlreadyRead(std::string_view from, std::time_t when);
// `when` is the arrival time; `sent_ms` the sender's clock (ms since the Unix epoch), if known.
std::string FormatIncoming(std::string_view from, std::string_view text, std::time_t when,
                           std::optional<int64_t> sent_ms = std::nullopt);
// The bracketed time of an incoming message (see above).
std::string IncomingTimeStamp(std::time_t received, std::optional<int64_t> sent_ms);
// Sent and received differ by more than this many seconds: both are shown.
inline constexpr int64_t kShowBothTimesAfterSeconds = 60;
// "[HH:MM:SS] me -> to: text" (outgoing, shown once the relay stored it).
std::string FormatOutgoing(std::string_view me, std::string_view to, std::string_view text,
                           std::time_t when);

// Terminal-safe text (see above). `indent` is put after each newline.
std::string SanitizeForTerminal(std::string_view text, std::string_view indent = "    ");

// "[HH:MM:SS]" in local time.
std::string TimeStamp(std::time_t when);

// RFC 3339 in UTC: "2026-12-06T15:00:00Z"; with milliseconds "2026-12-06T15:00:00.123Z".
// nullopt for a time outside the years 0000-9999 (a sender's clock can say anything).
std::string Rfc3339(std::time_t when);
std::optional<std::string> Rfc3339FromMs(int64_t ms);

// How low the pad towards a contact is. The chat warns once per level and contact, so a
// user hears about it early (10%: time to arrange a meeting) and again when it is urgent.
enum class PadLowLevel { kFine = 0, kUnderTenPercent = 1, kUnderOnePercent = 2 };
PadLowLevel PadLowLevelOf(uint64_t left, uint64_t total);  // kFine when total is unknown

// A pad-low warning when `left` of `total` has fallen to a lower level than `*warned`
// (which it then records), naming the level, the pad and messages left
// (`messages_left`; estimated for otc2 when 0 and the device did not say) and the fix.
std::optional<Warning> PadLowWarning(std::string_view peer, uint64_t left, uint64_t total,
                                     uint64_t messages_left, PadLowLevel* warned);

}  // namespace otc::client
