// otc1: the 2015 One Time Chat package format, byte-compatible with its reference
// implementation (mlsteele/one-time-chat, device/crypto.py).
//
// Wire format (m = message length; all integers little-endian):
//
//   package := idx[6] || body[m + 32]
//   body    := (ct || tag) XOR p_body
//   ct      := msg XOR p_text                          m bytes
//   tag     := HMAC-SHA256(key = p_key, idx[6] || ct)  32 bytes
//
//   idx is the pad index of the first byte of the package's pad stream, 6 bytes
//   (0 .. 2^48 - 1). There is no version byte: the format is a property of the pad.
//
// Pad stream, starting at idx in the sender's direction:
//
//   p_text (m bytes) || p_body (m + 32 bytes) || p_key (16 bytes)
//
// Pad cost 2m + 48 bytes; package size m + 38 bytes (minimum 38, for m = 0).
// Secrecy is information-theoretic; integrity rests on HMAC-SHA256 with a 128-bit key,
// i.e. it is only computational (see docs/PROTOCOL.md).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "chat/protocol/format.h"
#include "chat/protocol/pad_stream.h"
#include "common/secret_buffer.h"
#include "common/status.h"

namespace otc::protocol::otc1 {

inline constexpr size_t kIndexSize = 6;
inline constexpr size_t kTagSize = 32;
inline constexpr size_t kKeySize = 16;
inline constexpr size_t kOverhead = kIndexSize + kTagSize;  // package size - m
inline constexpr uint64_t kMaxIndex = (uint64_t{1} << 48) - 1;

inline uint64_t PadCostFor(size_t m) { return 2 * uint64_t{m} + kTagSize + kKeySize; }

Result<std::vector<uint8_t>> Package(std::span<const uint8_t> message, uint64_t index,
                                     Direction direction, PadStream& pad, const Options& options);
Result<PackageHeader> ParseHeader(std::span<const uint8_t> package, const Options& options);
// `header` is what ParseHeader returned for this `package`.
Result<SecretBuffer> Unpackage(const PackageHeader& header, std::span<const uint8_t> package,
                               Direction direction, PadStream& pad, const Options& options);

}  // namespace otc::protocol::otc1
