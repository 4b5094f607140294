// One-shot MACs for the protocol, through OpenSSL 3 EVP_MAC (internal to chat/protocol).
//
// The EVP_MAC algorithms ("HMAC" with digest SHA256, "POLY1305") are fetched once per
// process and each thread keeps one EVP_MAC_CTX per algorithm, re-keyed per message, so a
// MAC costs only the arithmetic, not a provider fetch or an allocation. After each MAC the
// context is re-keyed with zeros, so the one-time key (raw pad) and state derived from it
// do not linger in it; ReleaseThreadMacContexts frees both contexts, and OpenSSL cleanses
// them as it does.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <span>

#include "common/status.h"

namespace otc::protocol::internal {

enum class MacKind { kHmacSha256, kPoly1305 };

// MAC of the concatenation of `parts` under `key`, written to `tag` (32 bytes for
// HMAC-SHA256, 16 for Poly1305; `key` must be 32 bytes for Poly1305). kInternal if
// OpenSSL fails.
Status ComputeMac(MacKind kind, std::span<const uint8_t> key,
                  std::initializer_list<std::span<const uint8_t>> parts, std::span<uint8_t> tag);

// Frees this thread's cached contexts (they are re-created on the next MAC).
void ReleaseThreadMacContexts();

}  // namespace otc::protocol::internal
