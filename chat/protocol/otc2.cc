#include "chat/protocol/otc2.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <algorithm>
#include <array>
#include <bit>
#include <string>

#include "chat/protocol/bytes.h"
#include "chat/protocol/mac.h"
#include "chat/protocol/pad_range.h"
#include "common/coding.h"

namespace otc::protocol::otc2 {

using internal::ComputeMac;
using internal::MacKind;
using internal::XorInto;

namespace {

constexpr uint64_t kSmallBucketStep = 256;
constexpr uint64_t kSmallBucketMax = 4096;

// Largest encrypted plaintext (envelope + text) a package may carry.
uint64_t MaxPlaintext(const Options& options, bool envelope) {
  return uint64_t{options.max_message_size} + (envelope ? kMaxEnvelopeSize : 0);
}

Status ReadPad(PadStream& pad, std::span<uint8_t> out) {
  Status s = pad.Next(out);
  return s.ok() ? s : s.WithContext("reading pad");
}

}  // namespace

uint64_t Bucket(uint64_t n) {
  if (n <= kSmallBucketMax) {
    return n <= kSmallBucketStep ? kSmallBucketStep
                                 : (n + kSmallBucketStep - 1) / kSmallBucketStep * kSmallBucketStep;
  }
  return std::bit_ceil(n);
}

bool IsBucket(uint64_t body_len) {
  if (body_len == 0) return false;
  if (body_len <= kSmallBucketMax) return body_len % kSmallBucketStep == 0;
  return std::has_single_bit(body_len);
}

Result<std::vector<uint8_t>> Package(std::span<const uint8_t> message, uint64_t index,
                                     Direction direction, PadStream& pad, const Options& options) {
  const bool hidden = options.hide_length;
  if (message.size() > options.max_message_size || message.size() > kMaxMessageSizeLimit) {
    return Status::TooLarge("message of " + std::to_string(message.size()) +
                            " bytes exceeds the limit of " +
                            std::to_string(options.max_message_size));
  }
  // The encrypted plaintext: [envelope] || message text.
  const size_t envelope_size = options.envelope ? EnvelopeSize(*options.envelope) : 0;
  SecretBuffer plaintext(envelope_size + message.size());
  if (options.envelope) EncodeEnvelope(*options.envelope, plaintext.span().first(envelope_size));
  std::copy(message.begin(), message.end(), plaintext.data() + envelope_size);
  const size_t m = plaintext.size();
  const uint64_t body_len = BodyLength(m, hidden);
  if (auto span = PadSpan(Format::kOtc2, index, kKeySize + body_len, direction); !span.ok()) {
    return span.status();
  }

  std::vector<uint8_t> out(kOverhead + body_len);
  out[0] = kVersion;
  out[1] = static_cast<uint8_t>((hidden ? kFlagLengthHidden : 0) |
                                (options.envelope ? kFlagEnvelope : 0));
  EncodeFixed64(&out[2], index);
  EncodeFixed32(&out[10], static_cast<uint32_t>(body_len));
  uint8_t* body = out.data() + kHeaderSize;
  std::array<uint8_t, kKeySize> key;
  std::array<uint8_t, kLengthFieldSize> p_len;
  auto fail = [&](const Status& s) -> Status {
    Wipe(out);
    Wipe(key);
    Wipe(p_len);
    return s;
  };

  if (Status s = ReadPad(pad, key); !s.ok()) return fail(s);
  uint8_t* ct = body;
  if (hidden) {
    if (Status s = ReadPad(pad, p_len); !s.ok()) return fail(s);
    EncodeFixed32(body, static_cast<uint32_t>(m));
    XorInto(body, p_len.data(), kLengthFieldSize);
    ct = body + kLengthFieldSize;
    const size_t filler = body_len - kLengthFieldSize - m;
    if (filler > 0 && RAND_bytes(ct + m, static_cast<int>(filler)) != 1) {
      return fail(Status::Internal("OpenSSL RAND_bytes failed"));
    }
  }
  // ct := msg XOR p_text (the pad lands in `out` and is overwritten at once).
  if (Status s = ReadPad(pad, {ct, m}); !s.ok()) return fail(s);
  XorInto(ct, plaintext.data(), m);

  Status s = ComputeMac(MacKind::kPoly1305, key,
                        {std::span<const uint8_t>(out.data(), kHeaderSize + body_len)},
                        std::span<uint8_t>(body + body_len, kTagSize));
  if (!s.ok()) return fail(s);
  Wipe(key);
  Wipe(p_len);
  return out;
}

Result<PackageHeader> ParseHeader(std::span<const uint8_t> package, const Options& options) {
  if (package.empty()) return Status::InvalidArgument("otc2 package is empty");
  if (package[0] != kVersion) {
    return Status::Unsupported("package version " + std::to_string(package[0]) +
                               " is not otc2 (version 2)");
  }
  if (package.size() < kOverhead) {
    return Status::InvalidArgument("otc2 package truncated: " + std::to_string(package.size()) +
                                   " bytes, at least " + std::to_string(kOverhead) + " needed");
  }
  const uint8_t flags = package[1];
  if ((flags & ~(kFlagLengthHidden | kFlagEnvelope)) != 0) {
    return Status::Unsupported("otc2 package has unknown flag bits " + std::to_string(flags));
  }
  const bool hidden = (flags & kFlagLengthHidden) != 0;
  const bool envelope = (flags & kFlagEnvelope) != 0;
  const uint64_t body_len = DecodeFixed32(&package[10]);
  const uint64_t max_body = BodyLength(MaxPlaintext(options, envelope), hidden);
  if (body_len > max_body) {
    return Status::TooLarge("otc2 package announces a " + std::to_string(body_len) +
                            "-byte body, over the limit of " + std::to_string(max_body));
  }
  if (hidden && !IsBucket(body_len)) {
    return Status::InvalidArgument("otc2 length-hidden body of " + std::to_string(body_len) +
                                   " bytes is not a bucket size");
  }
  if (package.size() != kOverhead + body_len) {
    return Status::InvalidArgument(
        "otc2 package is " + std::to_string(package.size()) + " bytes but its header says " +
        std::to_string(kOverhead + body_len) +
        (package.size() < kOverhead + body_len ? " (truncated)" : " (trailing bytes)"));
  }
  if (envelope && !hidden && body_len == 0) {
    return Status::InvalidArgument("otc2 package has the envelope flag but an empty body");
  }
  PackageHeader header;
  header.format = Format::kOtc2;
  header.index = DecodeFixed64(&package[2]);
  header.pad_length = kKeySize + body_len;
  header.length_hidden = hidden;
  header.has_envelope = envelope;
  return header;
}

Result<SecretBuffer> Unpackage(const PackageHeader& header, std::span<const uint8_t> package,
                               Direction direction, PadStream& pad, const Options& options,
                               Envelope* envelope) {
  if (auto span = PadSpan(header, direction); !span.ok()) return span.status();
  const size_t body_len = package.size() - kOverhead;
  const uint8_t* body = package.data() + kHeaderSize;

  // The tag needs only the key: verify it before any other pad is read.
  std::array<uint8_t, kKeySize> key;
  std::array<uint8_t, kTagSize> tag;
  if (Status s = ReadPad(pad, key); !s.ok()) {
    Wipe(key);
    return s;
  }
  Status s = ComputeMac(MacKind::kPoly1305, key,
                        {std::span<const uint8_t>(package.data(), kHeaderSize + body_len)}, tag);
  Wipe(key);
  if (!s.ok()) return s;
  const bool match = CRYPTO_memcmp(tag.data(), body + body_len, kTagSize) == 0;
  Wipe(tag);
  if (!match) return Status::Integrity("otc2 package failed authentication (Poly1305 mismatch)");

  size_t m = body_len;
  const uint8_t* ct = body;
  if (header.length_hidden) {
    std::array<uint8_t, kLengthFieldSize> len;
    if (Status r = ReadPad(pad, len); !r.ok()) {
      Wipe(len);
      return r;
    }
    XorInto(len.data(), body, kLengthFieldSize);
    m = DecodeFixed32(len.data());
    Wipe(len);
    // Authenticated, so only a broken sender gets here.
    if (m > body_len - kLengthFieldSize || m > MaxPlaintext(options, header.has_envelope)) {
      return Status::InvalidArgument("otc2 package's encrypted length does not fit its body");
    }
    ct = body + kLengthFieldSize;
  }
  SecretBuffer plain(m);
  if (Status r = ReadPad(pad, plain.span()); !r.ok()) return r;  // `plain` wipes itself
  XorInto(plain.data(), ct, m);
  if (!header.has_envelope) {
    if (envelope != nullptr) *envelope = Envelope{};
    return plain;
  }
  // Authenticated, so only a broken (or newer, careless) sender gets a garbled envelope.
  Envelope parsed;
  Result<size_t> envelope_size = ParseEnvelope(plain.span(), &parsed);
  if (!envelope_size.ok()) return envelope_size.status();
  const size_t text_size = m - *envelope_size;
  if (text_size > options.max_message_size) {
    return Status::TooLarge("otc2 package carries " + std::to_string(text_size) +
                            " message bytes, over the limit of " +
                            std::to_string(options.max_message_size));
  }
  SecretBuffer text(text_size);
  std::copy(plain.data() + *envelope_size, plain.data() + m, text.data());
  if (envelope != nullptr) *envelope = parsed;
  return text;
}

}  // namespace otc::protocol::otc2
