// The message protocol: turn a message into a package with fresh pad, and back.
//
// This is the API the pad device calls. The functions are pure: they read pad only
// through the PadStream the caller supplies and do no I/O of their own. The device's flow:
//
//   send:    cost = PadCost(format, message.size(), options)
//            reserve `cost` pad bytes in the sender's direction -> start index idx
//            MemoryPadStream / store-backed stream at idx in the sender's direction
//            package = Package(format, message, idx, direction, stream, options)
//   receive: header = ParsePackageHeader(format, package, options)     (no pad needed)
//            PadSpan(header, sender_direction) inside the sender's half, not a replay
//            stream at header.index in the sender's direction
//            plaintext = Unpackage(format, package, sender_direction, stream, options)
//
// Unpackage checks the tag in constant time (CRYPTO_memcmp) before any plaintext exists
// outside a wiped scratch buffer, and returns the plaintext in a SecretBuffer. Pad bytes
// and intermediate buffers are wiped before returning, on success and on error.
//
// Errors (Status codes):
//   kInvalidArgument  truncated, garbled or trailing bytes (a garbled otc2 envelope too,
//                     found after the tag verified); pad range out of bounds
//   kTooLarge         message (or the length a package announces) over max_message_size
//   kUnsupported      otc2 version byte or flag bits this build does not know; otc1 with
//                     hide_length or an envelope
//   kIntegrity        tag mismatch: the package was altered or forged (or wrong pad)
//   anything the PadStream returns (e.g. kExhausted), with context
//   kInternal         OpenSSL failure (MAC or RAND_bytes)
// Messages name sizes and indices only, never pad or plaintext bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "chat/protocol/format.h"
#include "chat/protocol/pad_range.h"
#include "chat/protocol/pad_stream.h"
#include "common/secret_buffer.h"
#include "common/status.h"

namespace otc::protocol {

// Pad bytes a message of `message_len` bytes consumes (otc1: 2m + 48; otc2: m + e + 32, or
// 32 + bucket(m + e + 4) with length hiding, where e = EnvelopeSize(*options.envelope), 0
// without one; the device's envelope is 21 bytes). kTooLarge over options.max_message_size.
Result<uint64_t> PadCost(Format format, size_t message_len, const Options& options = {});

// Size in bytes of the package for such a message (otc1: m + 38; otc2: m + e + 30, or
// bucket(m + e + 4) + 30 with length hiding).
Result<size_t> PackageSize(Format format, size_t message_len, const Options& options = {});

// Encrypts and authenticates `message` with pad from `pad`, which must deliver the
// stream starting at `index` in `direction`. Reads exactly PadCost(...) bytes or fewer
// (with length hiding the bucket's tail is reserved but never read).
Result<std::vector<uint8_t>> Package(Format format, std::span<const uint8_t> message,
                                     uint64_t index, Direction direction, PadStream& pad,
                                     const Options& options = {});

// Validates a package's framing and reads its index and pad range without any pad.
Result<PackageHeader> ParsePackageHeader(Format format, std::span<const uint8_t> package,
                                         const Options& options = {});

// Verifies and decrypts. `pad` must deliver the stream starting at the package's index
// in the sender's `direction`. On any error no plaintext is returned. Returns the message
// text; `envelope`, when given, receives the package's envelope (envelope.h; all fields
// empty for otc1 and for an otc2 package without the envelope flag).
Result<SecretBuffer> Unpackage(Format format, std::span<const uint8_t> package, Direction direction,
                               PadStream& pad, const Options& options = {},
                               Envelope* envelope = nullptr);
// The same for a caller that already holds the package's header (the device parses it
// once to check the pad range before reading pad): `header` must be what
// ParsePackageHeader returned for this `package` with the same options.
Result<SecretBuffer> Unpackage(const PackageHeader& header, std::span<const uint8_t> package,
                               Direction direction, PadStream& pad, const Options& options = {},
                               Envelope* envelope = nullptr);

// Per-thread state: each thread that packages or unpackages keeps one OpenSSL MAC context
// per algorithm and a scratch buffer (sized to the largest otc1 message it has handled).
// The scratch is wiped and both MAC contexts re-keyed with zeros after every call, so no
// pad-derived key stays in them. Call this when a thread goes idle to free (and cleanse)
// all of it; it is re-created on demand.
void ReleaseThreadState();

}  // namespace otc::protocol
