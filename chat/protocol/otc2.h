// otc2: one-time-pad secrecy with a one-time Poly1305 authenticator (Wegman-Carter), so
// integrity is information-theoretic too, at m + 32 pad bytes per message.
//
// Wire format (all integers little-endian):
//
//   package := header[14] || body[body_len] || tag[16]
//   header  := version   u8   = 0x02
//              flags     u8   bit 0 = length hidden, bit 1 = envelope; bits 2-7 must be 0
//              index     u64  pad index of the first byte of the pad stream
//              body_len  u32  length of body
//   tag     := Poly1305(key = (r, s) = 32 pad bytes, header || body)
//
//   length not hidden (flags = 0x00):
//     body := ct,  ct := msg XOR p_text,  body_len = m
//   length hidden (flags = 0x01):
//     body := elen[4] || ct[m] || filler[body_len - 4 - m]
//     elen := u32(m) XOR p_len                 (the true length, encrypted)
//     body_len = Bucket(m + 4): the next multiple of 256 up to 4096 (minimum 256), and the
//     next power of two above 4096. filler comes from the CSPRNG (RAND_bytes), not from
//     the pad: OTP ciphertext is already uniformly random, so filler costs no pad.
//
//   envelope (flags bit 1, 0x02): the plaintext `msg` above is envelope || text, where
//     envelope := env_len u8 || fields (envelope.h: sent time, witness). m counts both, so
//     with length hiding the encrypted length covers envelope + text. The device always
//     sends the 21-byte standard envelope: pad cost m_text + 53 (hidden: 32 +
//     Bucket(m_text + 25)), package size m_text + 51 (hidden: Bucket(m_text + 25) + 30).
//
// Everything the receiver acts on (version, flags, index, body_len, the encrypted length,
// the ciphertext, even the filler) is under the tag.
//
// Pad stream, starting at index in the sender's direction:
//
//   poly1305 key (32) || [p_len (4) if hidden] || p_text (m) || [unused tail if hidden]
//
// Pad range (what ParsePackageHeader reports, what the device reserves): 32 + body_len
// bytes. Not hidden: m + 32. Hidden: 32 + Bucket(m + 4); only the first 36 + m bytes are
// read, the tail is reserved and burned unread so that consecutive indices from one
// sender reveal only the bucket, not the length (see docs/PROTOCOL.md).
// Package size: body_len + 30.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "chat/protocol/envelope.h"
#include "chat/protocol/format.h"
#include "chat/protocol/pad_stream.h"
#include "common/secret_buffer.h"
#include "common/status.h"

namespace otc::protocol::otc2 {

inline constexpr uint8_t kVersion = 0x02;
inline constexpr uint8_t kFlagLengthHidden = 0x01;
inline constexpr uint8_t kFlagEnvelope = 0x02;
inline constexpr size_t kHeaderSize = 14;
inline constexpr size_t kTagSize = 16;
inline constexpr size_t kKeySize = 32;
inline constexpr size_t kLengthFieldSize = 4;
inline constexpr size_t kOverhead = kHeaderSize + kTagSize;  // package size - body_len

// Body length for a hidden-length message of m bytes (m + 4 rounded up to a bucket).
uint64_t Bucket(uint64_t m_plus_4);
// True when `body_len` is a value Bucket() can return.
bool IsBucket(uint64_t body_len);

// body_len for a message of m bytes.
inline uint64_t BodyLength(size_t m, bool hidden) {
  return hidden ? Bucket(uint64_t{m} + kLengthFieldSize) : uint64_t{m};
}

Result<std::vector<uint8_t>> Package(std::span<const uint8_t> message, uint64_t index,
                                     Direction direction, PadStream& pad, const Options& options);
Result<PackageHeader> ParseHeader(std::span<const uint8_t> package, const Options& options);
// `header` is what ParseHeader returned for this `package`. Returns the message text (the
// envelope stripped); `envelope`, when given, receives the envelope's fields (none when the
// package has no envelope).
Result<SecretBuffer> Unpackage(const PackageHeader& header, std::span<const uint8_t> package,
                               Direction direction, PadStream& pad, const Options& options,
                               Envelope* envelope = nullptr);

}  // namespace otc::protocol::otc2
