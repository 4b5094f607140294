// One otc1 or otc2 package target (otc1_package_fuzz.cc, otc2_package_fuzz.cc): the input
// is parsed and unpackaged as a package from a fixed test pad, and is also packaged as a
// message and unpackaged again (the round trip), whose header must describe it. For otc2
// the input is also parsed as an envelope (envelope.h) on its own, and bit 2 of the first
// byte makes the round trip carry an envelope whose values come from the input.
#pragma once

#include <cstdint>
#include <vector>

#include "chat/protocol/protocol.h"
#include "tests/fuzz/fuzz_util.h"

namespace otc::fuzz {

inline const std::vector<uint8_t>& TestPad() {
  static const std::vector<uint8_t> pad = [] {
    std::vector<uint8_t> p(1 << 16);
    uint32_t x = 12345;
    for (auto& b : p) b = static_cast<uint8_t>((x = x * 1103515245 + 12345) >> 16);
    return p;
  }();
  return pad;
}

inline int FuzzPackage(protocol::Format format, const uint8_t* data, size_t size) {
  using namespace otc::protocol;
  if (size == 0) return 0;
  const Direction direction = (data[0] & 1) ? Direction::kUp : Direction::kDown;
  Options options;
  options.max_message_size = 4096;
  options.hide_length = format == Format::kOtc2 && (data[0] & 2);
  const std::span<const uint8_t> input(data + 1, size - 1);
  const std::vector<uint8_t>& pad = TestPad();

  // As the decrypted start of an otc2 plaintext: the envelope parser on hostile bytes.
  if (format == Format::kOtc2) {
    Envelope envelope;
    if (auto used = ParseEnvelope(input, &envelope); used.ok()) {
      FuzzCheck(*used >= 1 && *used <= input.size() && *used == size_t{1} + input[0],
                "an envelope spans env_len + 1 bytes inside the plaintext");
      // What was understood encodes canonically and reads back the same.
      std::vector<uint8_t> again(EnvelopeSize(envelope));
      EncodeEnvelope(envelope, again);
      Envelope reparsed;
      FuzzCheck(ParseEnvelope(again, &reparsed).ok() && reparsed == envelope,
                "a parsed envelope round-trips");
    }
  }
  if (format == Format::kOtc2 && (data[0] & 4)) {
    Envelope envelope;
    uint64_t a = 0, b = 0;
    for (size_t i = 0; i < input.size() && i < 8; ++i) a |= uint64_t{input[i]} << (8 * i);
    for (size_t i = 8; i < input.size() && i < 16; ++i) b |= uint64_t{input[i]} << (8 * (i - 8));
    envelope.sent_ms = static_cast<int64_t>(a);
    envelope.witness = b;
    if (data[0] & 8) {  // the split fields, from the next bytes
      uint64_t v[3] = {0, 0, 0};
      for (size_t i = 16; i < input.size() && i < 40; ++i)
        v[(i - 16) / 8] |= uint64_t{input[i]} << (8 * (i % 8));
      envelope.given = v[0];
      envelope.request = v[1];
      envelope.received = v[2];
      envelope.control = (data[0] & 16) != 0;
    }
    options.envelope = envelope;
  }

  // As a package from an adversary.
  if (auto header = ParsePackageHeader(format, input, options); header.ok()) {
    FuzzCheck(header->format == format, "header names its format");
    MemoryPadStream stream(pad, header->index, direction);
    auto plain = Unpackage(format, input, direction, stream, options);
    if (plain.ok()) FuzzCheck(plain->size() <= options.max_message_size, "message size bound");
  }

  // As a message: package, parse, unpackage.
  if (input.size() > options.max_message_size) return 0;
  const uint64_t index = direction == Direction::kUp ? 100 : pad.size() - 101;
  MemoryPadStream out_stream(pad, index, direction);
  auto package = Package(format, input, index, direction, out_stream, options);
  if (!package.ok()) return 0;  // the pad ran out (a long message near an end)
  auto header = ParsePackageHeader(format, *package, options);
  FuzzCheck(header.ok() && header->index == index, "a made package parses");
  auto cost = PadCost(format, input.size(), options);
  FuzzCheck(cost.ok() && header->pad_length <= *cost, "pad length within the cost");
  FuzzCheck(header->has_envelope == options.envelope.has_value(), "the envelope flag is set");
  MemoryPadStream in_stream(pad, index, direction);
  Envelope received;
  auto plain = Unpackage(format, *package, direction, in_stream, options, &received);
  FuzzCheck(plain.ok() &&
                std::equal(plain->span().begin(), plain->span().end(), input.begin(), input.end()),
            "unpackage(package(m)) == m");
  FuzzCheck(received == options.envelope.value_or(Envelope{}), "the envelope comes back");
  return 0;
}

}  // namespace otc::fuzz
