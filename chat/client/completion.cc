#include "chat/client/completion.h"

#include <algorithm>

#include "chat/client/command.h"

namespace otc::client {

namespace {

std::vector<std::string_view> WordsBefore(std::string_view line, size_t word_start) {
  std::vector<std::string_view> words;
  std::string_view head = line.substr(0, std::min(word_start, line.size()));
  size_t i = 0;
  while (i < head.size()) {
    while (i < head.size() && (head[i] == ' ' || head[i] == '\t')) ++i;
    size_t start = i;
    while (i < head.size() && head[i] != ' ' && head[i] != '\t') ++i;
    if (i > start) words.push_back(head.substr(start, i - start));
  }
  return words;
}

void AddMatching(std::vector<std::string>& out, const std::vector<std::string>& names,
                 std::string_view prefix, std::string_view keep = {}) {
  for (const std::string& n : names) {
    if (std::string_view(n).starts_with(prefix)) out.push_back(std::string(keep) + n);
  }
}

// "bob,ca" -> candidates "bob,carol", skipping names already in the list.
void AddListMatching(std::vector<std::string>& out, const std::vector<std::string>& names,
                     std::string_view word) {
  size_t comma = word.rfind(',');
  std::string_view keep = comma == std::string_view::npos ? "" : word.substr(0, comma + 1);
  std::string_view prefix = word.substr(keep.size());
  std::vector<std::string_view> used;  // the names already in the list
  for (std::string_view rest = keep; !rest.empty();) {
    size_t c = rest.find(',');
    used.push_back(rest.substr(0, c));
    rest.remove_prefix(c + 1);  // keep always ends in ','
  }
  std::vector<std::string> unused;
  for (const std::string& n : names) {
    if (std::find(used.begin(), used.end(), n) == used.end()) unused.push_back(n);
  }
  AddMatching(out, unused, prefix, keep);
}

}  // namespace

std::vector<std::string> CompleteWord(std::string_view line, size_t word_start,
                                      const std::vector<std::string>& contacts,
                                      const std::vector<std::string>& groups) {
  std::vector<std::string> out;
  std::vector<std::string_view> before = WordsBefore(line, word_start);
  std::string_view word = line.substr(std::min(word_start, line.size()));
  if (before.empty()) {
    AddMatching(out, CommandNames(), word);
  } else if (before.size() == 1) {
    std::string_view cmd = before[0];
    if (cmd == "send") AddMatching(out, contacts, word);
    if (cmd == "ms") AddListMatching(out, contacts, word);
    if (cmd == "gs" || cmd == "group" || cmd == "ungroup") AddMatching(out, groups, word);
  } else if (before.size() == 2 && before[0] == "group") {
    AddListMatching(out, contacts, word);
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

}  // namespace otc::client
