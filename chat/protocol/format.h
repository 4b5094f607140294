// The message formats otc knows, their limits, and the options that shape a package.
//
// A pad is created for one format and keeps it for life (the device stores it with the
// contact): otc1 has no version byte (it is byte-compatible with the 2015 reference
// implementation), so the format of a received package cannot be read from its bytes and
// every entry point takes it explicitly. The byte layouts are documented in otc1.h and
// otc2.h and, with the reasoning, in docs/PROTOCOL.md "Message formats".
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "chat/protocol/envelope.h"
#include "common/pad_vocabulary.h"
#include "common/status.h"

namespace otc::protocol {

// Format, FormatName and ParseFormat are otc-wide (common/pad_vocabulary.h).
using ::otc::Format;
using ::otc::FormatName;
using ::otc::ParseFormat;

// Largest pad index a format can address: otc1 carries a 6-byte index (2^48 - 1),
// otc2 an 8-byte one (2^64 - 1). Every byte of a package's pad range must lie in
// [0, MaxPadIndex(format)].
uint64_t MaxPadIndex(Format format);

inline constexpr size_t kDefaultMaxMessageSize = size_t{64} << 10;  // 64 KiB
// Hard ceiling for Options::max_message_size (keeps every otc2 length in a u32).
inline constexpr size_t kMaxMessageSizeLimit = size_t{1} << 30;  // 1 GiB

struct Options {
  // Largest plaintext accepted by Package and announced by a package that
  // ParsePackageHeader/Unpackage accept. Must be <= kMaxMessageSizeLimit.
  size_t max_message_size = kDefaultMaxMessageSize;
  // otc2 only: pad the package to a size bucket with CSPRNG filler and carry the true
  // length encrypted (see otc2.h). Package with otc1 and hide_length is kUnsupported.
  // The receiver does not need this option: the flag travels in the otc2 header.
  bool hide_length = false;
  // otc2 only: put this envelope (envelope.h: sent time, witness) in front of the text and
  // set the envelope flag; nullopt sends none. Package with otc1 and an envelope is
  // kUnsupported. Like hide_length, the receiver does not need it (the flag says).
  std::optional<Envelope> envelope;
};

// What a package says about itself before any pad is read (ParsePackageHeader).
struct PackageHeader {
  Format format = Format::kOtc2;
  // Pad index of the first byte of the package's pad stream (see pad_stream.h).
  uint64_t index = 0;
  // Number of pad bytes the package consumes, starting at `index` and moving in the
  // sender's direction. The device checks [index, index +/- (pad_length - 1)] with
  // PadSpan (pad_range.h): inside the sender's half and not already used.
  uint64_t pad_length = 0;
  // otc2 only: the package is padded to a bucket and the message length is encrypted.
  bool length_hidden = false;
  // otc2 only: the plaintext starts with an envelope (envelope.h).
  bool has_envelope = false;
};

}  // namespace otc::protocol
