// One otc1 or otc2 package target (otc1_package_fuzz.cc, otc2_package_fuzz.cc): the input
// is parsed and unpackaged as a package from a fixed test pad, and is also packaged as a
// message and unpackaged again (the round trip), whose header must describe it.
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
  MemoryPadStream in_stream(pad, index, direction);
  auto plain = Unpackage(format, *package, direction, in_stream, options);
  FuzzCheck(plain.ok() &&
                std::equal(plain->span().begin(), plain->span().end(), input.begin(), input.end()),
            "unpackage(package(m)) == m");
  return 0;
}

}  // namespace otc::fuzz
