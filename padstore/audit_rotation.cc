#include "padstore/audit_rotation.h"

#include <charconv>
#include <set>
#include <vector>

#include "padstore/audit_log.h"

namespace otc::padstore {
namespace {

constexpr std::string_view kRotated = "ROTATED";
constexpr std::string_view kNotShown = "events not shown:";

std::vector<std::string_view> SplitLines(std::string_view text) {
  std::vector<std::string_view> lines;
  while (!text.empty()) {
    size_t end = text.find('\n');
    lines.push_back(text.substr(0, end));
    if (end == std::string_view::npos) break;
    text.remove_prefix(end + 1);
  }
  return lines;
}

// "<time> <EVENT> ...": the second word.
std::string_view KindOf(std::string_view line) {
  size_t a = line.find(' ');
  if (a == std::string_view::npos) return {};
  size_t b = line.find(' ', a + 1);
  return line.substr(a + 1, b == std::string_view::npos ? std::string_view::npos : b - a - 1);
}

uint64_t ParseCount(std::string_view digits) {
  uint64_t value = 0;
  for (char c : digits) {
    if (c == ',' || c == ' ') continue;
    if (c < '0' || c > '9') return value;
    value = value * 10 + static_cast<uint64_t>(c - '0');
  }
  return value;
}

// Events one ordinary or summary line stands for.
uint64_t EventsOf(std::string_view line) {
  size_t more = line.find(kSummaryMarker);
  if (more == std::string_view::npos) return 1;
  size_t and_at = line.rfind(kSummaryAnd, more);
  if (and_at == std::string_view::npos) return 1;
  size_t from = and_at + kSummaryAnd.size();
  return ParseCount(line.substr(from, more - from));
}

// Adds a ROTATED line's "KIND=N" counts to `counts`.
void AddRotatedCounts(std::string_view line, std::map<std::string, uint64_t>& counts) {
  size_t at = line.find(kNotShown);
  if (at == std::string_view::npos) return;
  std::string_view rest = line.substr(at + kNotShown.size());
  while (!rest.empty()) {
    while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
    size_t end = rest.find(' ');
    std::string_view token = rest.substr(0, end);
    rest = end == std::string_view::npos ? std::string_view() : rest.substr(end);
    size_t eq = token.find('=');
    if (eq == std::string_view::npos || eq == 0) continue;
    uint64_t n = 0;
    std::string_view digits = token.substr(eq + 1);
    auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
    if (ec != std::errc() || p != digits.data() + digits.size()) continue;
    counts[std::string(token.substr(0, eq))] += n;
  }
}

}  // namespace

std::map<std::string, uint64_t> CountAuditEvents(std::string_view text) {
  std::map<std::string, uint64_t> counts;
  for (std::string_view line : SplitLines(text)) {
    std::string_view kind = KindOf(line);
    if (kind.empty()) continue;
    if (kind == kRotated) {
      AddRotatedCounts(line, counts);
    } else {
      counts[std::string(kind)] += EventsOf(line);
    }
  }
  return counts;
}

std::string RotateAuditText(std::string_view old_text, uint64_t now, uint64_t max_bytes) {
  const std::vector<std::string_view> lines = SplitLines(old_text);
  std::map<std::string, size_t> first, last;
  for (size_t i = 0; i < lines.size(); ++i) {
    std::string_view kind = KindOf(lines[i]);
    if (kind.empty() || kind == kRotated) continue;
    first.try_emplace(std::string(kind), i);
    last[std::string(kind)] = i;
  }
  std::set<size_t> kept;
  for (auto& [kind, i] : first) kept.insert(i);
  for (auto& [kind, i] : last) kept.insert(i);

  std::map<std::string, uint64_t> not_shown = CountAuditEvents(old_text);
  std::string out;
  for (size_t i : kept) {
    out.append(lines[i]);
    out += '\n';
    not_shown[std::string(KindOf(lines[i]))] -= EventsOf(lines[i]);
  }
  out += FormatUtc(now);
  out += " ROTATED size cap " + std::to_string(max_bytes) + " reached; ";
  out += kNotShown;
  for (auto& [kind, n] : not_shown) {
    if (n != 0) out += " " + kind + "=" + std::to_string(n);
  }
  out += '\n';
  return out;
}

}  // namespace otc::padstore
