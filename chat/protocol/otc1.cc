#include "chat/protocol/otc1.h"

#include <openssl/crypto.h>

#include <algorithm>
#include <array>
#include <string>

#include "chat/protocol/bytes.h"
#include "chat/protocol/mac.h"
#include "chat/protocol/pad_range.h"
#include "common/coding.h"

namespace otc::protocol::otc1 {

using internal::ComputeMac;
using internal::MacKind;
using internal::ScratchGuard;
using internal::XorInto;

Result<std::vector<uint8_t>> Package(std::span<const uint8_t> message, uint64_t index,
                                     Direction direction, PadStream& pad, const Options& options) {
  const size_t m = message.size();
  if (options.hide_length) return Status::Unsupported("otc1 has no length hiding (use otc2)");
  if (m > options.max_message_size) {
    return Status::TooLarge("message of " + std::to_string(m) + " bytes exceeds the limit of " +
                            std::to_string(options.max_message_size));
  }
  if (auto span = PadSpan(Format::kOtc1, index, PadCostFor(m), direction); !span.ok()) {
    return span.status();
  }

  std::vector<uint8_t> out(kIndexSize + m + kTagSize);
  EncodeFixedN(out.data(), index, kIndexSize);
  uint8_t* ct = out.data() + kIndexSize;
  ScratchGuard p_body(m + kTagSize);
  std::array<uint8_t, kKeySize> p_key;
  std::array<uint8_t, kTagSize> tag;
  auto fail = [&](const Status& s) -> Status {
    Wipe(out);
    Wipe(p_key);
    Wipe(tag);
    return s;
  };

  // ct := msg XOR p_text (the pad lands in `out` and is overwritten at once).
  if (Status s = pad.Next({ct, m}); !s.ok()) return fail(s.WithContext("reading pad"));
  XorInto(ct, message.data(), m);
  if (Status s = pad.Next(p_body.span()); !s.ok()) return fail(s.WithContext("reading pad"));
  if (Status s = pad.Next(p_key); !s.ok()) return fail(s.WithContext("reading pad"));

  // tag := HMAC-SHA256(p_key, idx || ct); body := (ct || tag) XOR p_body.
  Status s = ComputeMac(MacKind::kHmacSha256, p_key,
                        {std::span<const uint8_t>(out.data(), kIndexSize + m)}, tag);
  if (!s.ok()) return fail(s);
  XorInto(ct, p_body.data(), m);
  for (size_t i = 0; i < kTagSize; ++i) ct[m + i] = tag[i] ^ p_body.data()[m + i];
  Wipe(p_key);
  Wipe(tag);
  return out;
}

Result<PackageHeader> ParseHeader(std::span<const uint8_t> package, const Options& options) {
  if (package.size() < kOverhead) {
    return Status::InvalidArgument("otc1 package truncated: " + std::to_string(package.size()) +
                                   " bytes, at least " + std::to_string(kOverhead) + " needed");
  }
  const size_t m = package.size() - kOverhead;
  if (m > options.max_message_size) {
    return Status::TooLarge("otc1 package carries " + std::to_string(m) +
                            " message bytes, over the limit of " +
                            std::to_string(options.max_message_size));
  }
  PackageHeader header;
  header.format = Format::kOtc1;
  header.index = DecodeFixedN(package.data(), kIndexSize);
  header.pad_length = PadCostFor(m);
  header.length_hidden = false;
  return header;
}

Result<SecretBuffer> Unpackage(const PackageHeader& header, std::span<const uint8_t> package,
                               Direction direction, PadStream& pad, const Options& /*options*/) {
  if (auto span = PadSpan(header, direction); !span.ok()) return span.status();
  const size_t m = package.size() - kOverhead;
  const uint8_t* body = package.data() + kIndexSize;

  // Scratch layout: idx[6] || ct[m] || tag[32] (body XOR p_body, then the MAC input).
  SecretBuffer plain(m);
  ScratchGuard scratch(kIndexSize + m + kTagSize);
  uint8_t* ct = scratch.data() + kIndexSize;
  std::array<uint8_t, kKeySize> p_key;
  std::array<uint8_t, kTagSize> tag;
  auto fail = [&](const Status& s) -> Status {
    Wipe(p_key);
    Wipe(tag);
    return s;  // `plain` and the scratch wipe themselves
  };

  // p_text goes straight into the output buffer, which is released only after the tag.
  if (Status s = pad.Next(plain.span()); !s.ok()) return fail(s.WithContext("reading pad"));
  if (Status s = pad.Next({ct, m + kTagSize}); !s.ok()) {
    return fail(s.WithContext("reading pad"));
  }
  if (Status s = pad.Next(p_key); !s.ok()) return fail(s.WithContext("reading pad"));
  XorInto(ct, body, m + kTagSize);  // ct || tag in the clear
  std::copy(package.begin(), package.begin() + kIndexSize, scratch.data());

  Status s = ComputeMac(MacKind::kHmacSha256, p_key,
                        {std::span<const uint8_t>(scratch.data(), kIndexSize + m)}, tag);
  if (!s.ok()) return fail(s);
  if (CRYPTO_memcmp(tag.data(), ct + m, kTagSize) != 0) {
    return fail(Status::Integrity("otc1 package failed authentication (HMAC-SHA256 mismatch)"));
  }
  XorInto(plain.data(), ct, m);
  Wipe(p_key);
  Wipe(tag);
  return plain;
}

}  // namespace otc::protocol::otc1
