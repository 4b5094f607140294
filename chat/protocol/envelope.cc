#include "chat/protocol/envelope.h"

#include <string>

#include "common/coding.h"

namespace otc::protocol {
namespace {

constexpr size_t kFieldHeader = 2;  // type, len
constexpr size_t kValueSize = 8;    // every known field but the control flag carries 8 bytes

Status Garbled(const std::string& why) {
  return Status::InvalidArgument("otc2 envelope is garbled: " + why);
}

// The unsigned 8-byte field of `type`, or nullptr (the sent time is signed; see below).
std::optional<uint64_t>* ValueField(Envelope& e, uint8_t type) {
  switch (type) {
    case kEnvelopeWitness:
      return &e.witness;
    case kEnvelopeGiven:
      return &e.given;
    case kEnvelopeRequest:
      return &e.request;
    case kEnvelopeReceived:
      return &e.received;
    default:
      return nullptr;
  }
}

}  // namespace

size_t EnvelopeSize(const Envelope& envelope) {
  size_t n = 1;
  if (envelope.sent_ms) n += kFieldHeader + kValueSize;
  if (envelope.witness) n += kFieldHeader + kValueSize;
  if (envelope.given) n += kFieldHeader + kValueSize;
  if (envelope.request) n += kFieldHeader + kValueSize;
  if (envelope.received) n += kFieldHeader + kValueSize;
  if (envelope.control) n += kFieldHeader;
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
  if (envelope.given) put(kEnvelopeGiven, *envelope.given);
  if (envelope.request) put(kEnvelopeRequest, *envelope.request);
  if (envelope.received) put(kEnvelopeReceived, *envelope.received);
  if (envelope.control) {
    out[at] = kEnvelopeControl;
    out[at + 1] = 0;
    at += kFieldHeader;
  }
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
    if (type == kEnvelopeControl) {
      if (len != 0)
        return Garbled("the control field has length " + std::to_string(len) + ", not 0");
      if (parsed.control) return Garbled("the control field appears twice");
      parsed.control = true;
    } else if (std::optional<uint64_t>* field = ValueField(parsed, type)) {
      if (len != kValueSize) {
        return Garbled("field type " + std::to_string(type) + " has length " + std::to_string(len) +
                       ", not 8");
      }
      if (field->has_value())
        return Garbled("field type " + std::to_string(type) + " appears twice");
      *field = DecodeFixed64(&plaintext[at]);
    } else if (type == kEnvelopeSentTime) {
      if (len != kValueSize) {
        return Garbled("field type " + std::to_string(type) + " has length " + std::to_string(len) +
                       ", not 8");
      }
      if (parsed.sent_ms) return Garbled("sent time appears twice");
      parsed.sent_ms = static_cast<int64_t>(DecodeFixed64(&plaintext[at]));
    }
    at += len;  // unknown types are skipped
  }
  *envelope = parsed;
  return end;
}

}  // namespace otc::protocol
