// Typo suggestions for unknown commands and options ("did you mean 'send'?").
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace otc::cli {

// Edits (insert, delete, substitute, swap two neighbours) that turn `a` into `b`.
size_t EditDistance(std::string_view a, std::string_view b);

// The candidate `word` was most likely a typo of: the nearest one within 1 edit for words
// of up to 5 characters and 2 for longer ones, else the only candidate `word` is a prefix
// of (2 characters at least). On a tie the earlier candidate wins. Nothing if none is near.
std::optional<std::string> ClosestMatch(std::string_view word,
                                        const std::vector<std::string>& candidates);

}  // namespace otc::cli
