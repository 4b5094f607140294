// Whether the test runs under AddressSanitizer (scripts/test --asan). A few tests measure
// what ASan changes — resident memory (its shadow memory and quarantine), the kernel's view
// of locked pages — and are meaningful only in the normal build, which runs them.
#pragma once

namespace otc::testing {

// gcc says __SANITIZE_ADDRESS__, clang __has_feature(address_sanitizer).
#if defined(__SANITIZE_ADDRESS__)
inline constexpr bool kUnderAddressSanitizer = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
inline constexpr bool kUnderAddressSanitizer = true;
#else
inline constexpr bool kUnderAddressSanitizer = false;
#endif
#else
inline constexpr bool kUnderAddressSanitizer = false;
#endif

}  // namespace otc::testing
