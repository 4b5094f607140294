#include "common/cli/suggest.h"

#include <algorithm>

namespace otc::cli {

size_t EditDistance(std::string_view a, std::string_view b) {
  // Optimal string alignment over three rows: the one two back is needed for swaps.
  std::vector<size_t> back2(b.size() + 1), back1(b.size() + 1), row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) back1[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t substitute = back1[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
      row[j] = std::min({back1[j] + 1, row[j - 1] + 1, substitute});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        row[j] = std::min(row[j], back2[j - 2] + 1);
      }
    }
    back2.swap(back1);
    back1.swap(row);
  }
  return back1[b.size()];
}

std::optional<std::string> ClosestMatch(std::string_view word,
                                        const std::vector<std::string>& candidates) {
  if (word.empty()) return std::nullopt;
  const size_t limit = word.size() <= 5 ? 1 : 2;
  std::optional<std::string> best;
  size_t best_distance = limit + 1;
  for (const std::string& c : candidates) {
    const size_t d = EditDistance(word, c);
    if (d < best_distance) {
      best = c;
      best_distance = d;
    }
  }
  if (best) return best;
  if (word.size() < 2) return std::nullopt;
  std::optional<std::string> prefixed;
  for (const std::string& c : candidates) {
    if (c.size() > word.size() && c.compare(0, word.size(), word) == 0) {
      if (prefixed) return std::nullopt;  // ambiguous
      prefixed = c;
    }
  }
  return prefixed;
}

}  // namespace otc::cli
