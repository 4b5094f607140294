// Helpers shared by the protocol tests: deterministic random bytes, the device's receive
// flow in miniature, and PadStreams that count or fail.
#pragma once

#include <cstdint>
#include <random>
#include <span>
#include <string>
#include <vector>

#include "chat/protocol/protocol.h"

namespace otc::protocol::testing {

inline std::vector<uint8_t> RandomBytes(size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<uint8_t> out(n);
  for (auto& b : out) b = static_cast<uint8_t>(rng());
  return out;
}

inline std::vector<uint8_t> Bytes(std::string_view s) { return {s.begin(), s.end()}; }

inline std::vector<uint8_t> ToVector(const SecretBuffer& b) {
  return {b.data(), b.data() + b.size()};
}

// Packages `message` at `index` with a MemoryPadStream over `pad` (pad[0] = index 0).
inline Result<std::vector<uint8_t>> Send(Format format, std::span<const uint8_t> message,
                                         uint64_t index, Direction direction,
                                         std::span<const uint8_t> pad, const Options& options = {},
                                         uint64_t first_index = 0) {
  MemoryPadStream stream(pad, index, direction, first_index);
  return Package(format, message, index, direction, stream, options);
}

// What the device does on receipt: parse the header (no pad), build a stream at the index
// the package names, unpackage.
inline Result<SecretBuffer> Receive(Format format, std::span<const uint8_t> package,
                                    Direction direction, std::span<const uint8_t> pad,
                                    const Options& options = {}, uint64_t first_index = 0) {
  auto header = ParsePackageHeader(format, package, options);
  if (!header.ok()) return header.status();
  MemoryPadStream stream(pad, header->index, direction, first_index);
  return Unpackage(format, package, direction, stream, options);
}

// Serves pad from an inner stream until `fail_after` bytes have been handed out, then
// returns kIOError (as a store whose disk failed would).
class FailingPadStream final : public PadStream {
 public:
  FailingPadStream(PadStream& inner, uint64_t fail_after) : inner_(inner), left_(fail_after) {}
  Status Next(std::span<uint8_t> out) override {
    if (out.size() > left_) return Status::IOError("pad store read failed");
    left_ -= out.size();
    return inner_.Next(out);
  }

 private:
  PadStream& inner_;
  uint64_t left_;
};

}  // namespace otc::protocol::testing
