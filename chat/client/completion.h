// Tab completion for the interactive client (pure; the terminal layer calls it).
//
// Word 0 completes command names. After `send` it completes contact names; after `ms`
// and as the member list of `group NAME`, the part after the last comma completes to a
// contact ("bob,ca" -> "bob,carol"); after `gs`, `group` and `ungroup` it completes group
// names. Message text is never completed.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace otc::client {

// `line` is the input up to the cursor, `word_start` the offset where the word being
// completed starts (the word runs to the end of `line`). Returns full replacements for
// that word, sorted, without duplicates.
std::vector<std::string> CompleteWord(std::string_view line, size_t word_start,
                                      const std::vector<std::string>& contacts,
                                      const std::vector<std::string>& groups);

}  // namespace otc::client
