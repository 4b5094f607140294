#include "chat/client/transcript.h"

#include <cstdio>
#include <ctime>

#include "chat/client/utf8.h"
#include "chat/protocol/pad_left.h"
#include "common/byte_size.h"

namespace otc::client {

std::string_view WarningCode(WarningKind kind) {
  switch (kind) {
    case WarningKind::kReplay:
      return "replay";
    case WarningKind::kSkipped:
      return "skipped";
    case WarningKind::kLate:
      return "late";
    case WarningKind::kIntegrity:
      return "integrity";
    case WarningKind::kMalformed:
      return "malformed";
    case WarningKind::kUnknownContact:
      return "unknown_contact";
    case WarningKind::kDenied:
      return "denied";
    case WarningKind::kPadLow:
      return "pad_low";
    case WarningKind::kPadExhausted:
      return "pad_exhausted";
    case WarningKind::kDeviceUnreachable:
      return "device_unreachable";
    case WarningKind::kRelayUnreachable:
      return "relay_unreachable";
    case WarningKind::kSendFailed:
      return "send_failed";
    case WarningKind::kRecovered:
      return "recovered";
    case WarningKind::kRollback:
      return "rollback";
  }
  return "unknown";
}

std::string TimeStamp(std::time_t when) {
  std::tm tm{};
  localtime_r(&when, &tm);
  char buf[16];
  std::snprintf(buf, sizeof buf, "[%02d:%02d:%02d]", tm.tm_hour, tm.tm_min, tm.tm_sec);
  return buf;
}

std::string Rfc3339(std::time_t when) {
  std::tm tm{};
  gmtime_r(&when, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::optional<std::string> Rfc3339FromMs(int64_t ms) {
  // Floor division, so that -1 ms is 23:59:59.999 of the day before.
  int64_t seconds = ms / 1000;
  int64_t millis = ms % 1000;
  if (millis < 0) {
    millis += 1000;
    seconds -= 1;
  }
  const std::time_t t = static_cast<std::time_t>(seconds);
  std::tm tm{};
  if (gmtime_r(&t, &tm) == nullptr || tm.tm_year + 1900 < 0 || tm.tm_year + 1900 > 9999) {
    return std::nullopt;
  }
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>(millis));
  return std::string(buf);
}

namespace {

// "HH:MM:SS", or "YYYY-MM-DD HH:MM:SS" with the date, in local time.
std::string LocalTime(std::time_t when, bool with_date) {
  std::tm tm{};
  localtime_r(&when, &tm);
  char buf[40];
  std::strftime(buf, sizeof buf, with_date ? "%Y-%m-%d %H:%M:%S" : "%H:%M:%S", &tm);
  return buf;
}

bool SameLocalDay(std::time_t a, std::time_t b) {
  std::tm ta{}, tb{};
  localtime_r(&a, &ta);
  localtime_r(&b, &tb);
  return ta.tm_year == tb.tm_year && ta.tm_yday == tb.tm_yday;
}

}  // namespace

std::string IncomingTimeStamp(std::time_t received, std::optional<int64_t> sent_ms) {
  if (!sent_ms) return TimeStamp(received);
  // Whole seconds, rounded down (floor, also before 1970).
  const int64_t sent_s = *sent_ms / 1000 - (*sent_ms % 1000 < 0 ? 1 : 0);
  const std::time_t sent = static_cast<std::time_t>(sent_s);
  const int64_t apart = sent_s > received ? sent_s - received : received - sent_s;
  if (apart <= kShowBothTimesAfterSeconds) return TimeStamp(sent);
  const bool dates = !SameLocalDay(sent, received);
  std::string out = "[";
  out += LocalTime(sent, dates);
  out += ", received ";
  out += LocalTime(received, dates);
  out += ']';
  return out;
}

std::string SanitizeForTerminal(std::string_view text, std::string_view indent) {
  std::string out;
  out.reserve(text.size());
  auto escape = [&out](uint32_t byte) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "\\x%02x", static_cast<unsigned>(byte));
    out += buf;
  };
  for (size_t i = 0; i < text.size();) {
    const Utf8Char c = DecodeUtf8At(text, i);
    if (c.length == 0) {
      out += "\xef\xbf\xbd";  // U+FFFD: a byte that is not part of valid UTF-8
      ++i;
      continue;
    }
    const uint32_t cp = c.code_point;
    if (cp == '\n') {
      out += '\n';
      out += indent;
    } else if ((cp < 0x20 && cp != '\t') || cp == 0x7F) {
      escape(cp);  // C0 controls and DEL: ESC, CR, BEL would act on the terminal
    } else if (cp >= 0x80 && cp <= 0x9F) {
      escape(cp);  // C1 controls (U+009B is a CSI on many terminals)
    } else {
      out.append(text.substr(i, c.length));
    }
    i += c.length;
  }
  return out;
}

std::string FormatAlreadyRead(std::string_view from, std::time_t when) {
  return TimeStamp(when) + " " + SanitizeForTerminal(from) +
         ": (a message already read on another of your clients)";
}

std::string FormatIncoming(std::string_view from, std::string_view text, std::time_t when,
                           std::optional<int64_t> sent_ms) {
  return IncomingTimeStamp(when, sent_ms) + " " + SanitizeForTerminal(from) + ": " +
         SanitizeForTerminal(text);
}

std::string FormatOutgoing(std::string_view me, std::string_view to, std::string_view text,
                           std::time_t when) {
  return TimeStamp(when) + " " + SanitizeForTerminal(me) + " -> " + SanitizeForTerminal(to) + ": " +
         SanitizeForTerminal(text);
}

std::string FormatWarning(const Warning& w, std::time_t when) {
  std::string peer = SanitizeForTerminal(w.peer);
  std::string who = peer.empty() ? "" : peer + ": ";
  std::string what;
  switch (w.kind) {
    case WarningKind::kReplay:
      what =
          "REPLAY refused: a package reusing pad already decrypted was rejected (the relay may "
          "be replaying old messages)";
      break;
    case WarningKind::kSkipped:
      what = "SKIPPED pad before this message: earlier messages may have been dropped";
      break;
    case WarningKind::kLate:
      what = "LATE message: it was sent before one already shown (reordered in transit)";
      break;
    case WarningKind::kIntegrity:
      what = "INTEGRITY check FAILED, message discarded unread (possible forgery or tampering)";
      break;
    case WarningKind::kMalformed:
      what = "MALFORMED package discarded (garbled or truncated in transit)";
      break;
    case WarningKind::kUnknownContact:
      what = "message from someone you share no pad with, discarded";
      break;
    case WarningKind::kDenied:
      what = "decryption DENIED on the device, message discarded";
      break;
    case WarningKind::kPadLow:
      what = "PAD LOW towards this contact";
      break;
    case WarningKind::kPadExhausted:
      what = "PAD EXHAUSTED: no pad left to send to this contact";
      break;
    case WarningKind::kDeviceUnreachable:
      what = "DEVICE UNREACHABLE, retrying";
      break;
    case WarningKind::kRelayUnreachable:
      what = "RELAY UNREACHABLE, retrying";
      break;
    case WarningKind::kSendFailed:
      what = "NOT SENT";
      break;
    case WarningKind::kRecovered:
      what = "reachable again";
      break;
    case WarningKind::kRollback:
      // Names the contact inside the sentence: the line must start with "!! ROLLBACK".
      who.clear();
      what = "ROLLBACK: a message from " + peer +
             " shows that your device's pad store was restored from an older copy (backup or "
             "snapshot); the device has moved past the pad " +
             peer + " has seen. Messages you sent to " + peer +
             " since that restore may have reused pad and be readable: tell " + peer +
             " in person, keep only one copy of the store, and see the device's audit log";
      break;
  }
  std::string line = TimeStamp(when) + " !! " + who + what;
  if (!w.detail.empty()) line += " (" + SanitizeForTerminal(w.detail) + ")";
  return line;
}

PadLowLevel PadLowLevelOf(uint64_t left, uint64_t total) {
  if (total == 0) return PadLowLevel::kFine;
  // In integers: left < total / 100 is 100 * left < total.
  const unsigned __int128 scaled = static_cast<unsigned __int128>(left) * 100;
  if (scaled < total) return PadLowLevel::kUnderOnePercent;
  if (scaled < static_cast<unsigned __int128>(total) * 10) return PadLowLevel::kUnderTenPercent;
  return PadLowLevel::kFine;
}

std::optional<Warning> PadLowWarning(std::string_view peer, uint64_t left, uint64_t total,
                                     uint64_t messages_left, PadLowLevel* warned) {
  const PadLowLevel level = PadLowLevelOf(left, total);
  if (level <= *warned) return std::nullopt;
  *warned = level;
  protocol::PadLeft pad = protocol::EstimatePadLeft(protocol::Format::kOtc2, left, total);
  if (messages_left != 0) pad.messages = messages_left;
  return Warning{WarningKind::kPadLow, std::string(peer),
                 std::string(level == PadLowLevel::kUnderOnePercent ? "under 1%" : "under 10%") +
                     " left: " + protocol::FormatPadLeft(pad) + "; meet " + std::string(peer) +
                     " and run padgen again for a new pad"};
}

}  // namespace otc::client
