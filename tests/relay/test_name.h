// Test helper for the relay suites: names and query strings with a number in them.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace otc::testing {

// prefix + decimal n, built by appending (GCC 12 warns falsely about "lit" + to_string()).
inline std::string Name(std::string_view prefix, uint64_t n) {
  std::string s(prefix);
  s += std::to_string(n);
  return s;
}

}  // namespace otc::testing
