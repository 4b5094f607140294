#include "chat/protocol/envelope.h"

#include <string>

#include "common/coding.h"

namespace otc::protocol {
namespace {

constexpr size_t kFieldHeader = 2;  // type, len
constexpr size_t kValueSize = 8;    // both known fields carry 8 bytes

Status Garbled(const std::string& why) {
  return Status::InvalidArgument("otc2 envelope is garbled: " + why);
}

}  // namespace

size_t EnvelopeSize(const Envelope& envelope) {
  size_t n = 1;
  if (envelope.sent_ms) n += kFieldHeader + kValueSize;
  if (envelope.witness) n += kFieldHeader + kValueSize;
  return n;
}

void EncodeEnvelope(const Envelope& envelope, std::span<uint8_t> out) {
  size_t at = 1;
  auto put = [&](uint8_t type, uint64_t value) {
    out[at] = type;
    out[at + 1] = kValueSize;
    EncodeFixed64(&out[at + kFieldHeader], value);
    at += kFieldHeader + kValueSize;
  };
  if (envelope.sent_ms) put(kEnvelopeSentTime, static_cast<uint64_t>(*envelope.sent_ms));
  if (envelope.witness) put(kEnvelopeWitness, *envelope.witness);
  out[0] = static_cast<uint8_t>(at - 1);
}

Result<size_t> ParseEnvelope(std::span<const uint8_t> plaintext, Envelope* envelope) {
  Envelope parsed;
  if (plaintext.empty()) return Garbled("no env_len byte");
  const size_t end = size_t{1} + plaintext[0];
  if (end > plaintext.size()) {
    return Garbled("env_len " + std::to_string(plaintext[0]) + " runs past the plaintext");
  }
  for (size_t at = 1; at < end;) {
    if (end - at < kFieldHeader) return Garbled("a field header runs past env_len");
    const uint8_t type = plaintext[at];
    const size_t len = plaintext[at + 1];
    at += kFieldHeader;
    if (len > end - at) {
      return Garbled("field type " + std::to_string(type) + " runs past env_len");
    }
    if (type == kEnvelopeSentTime || type == kEnvelopeWitness) {
      if (len != kValueSize) {
        return Garbled("field type " + std::to_string(type) + " has length " + std::to_string(len) +
                       ", not 8");
      }
      const uint64_t value = DecodeFixed64(&plaintext[at]);
      if (type == kEnvelopeSentTime) {
        if (parsed.sent_ms) return Garbled("sent time appears twice");
        parsed.sent_ms = static_cast<int64_t>(value);
      } else {
        if (parsed.witness) return Garbled("witness appears twice");
        parsed.witness = value;
      }
    }
    at += len;  // unknown types are skipped
  }
  *envelope = parsed;
  return end;
}

}  // namespace otc::protocol
