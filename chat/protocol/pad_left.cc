#include "chat/protocol/pad_left.h"

#include "chat/protocol/protocol.h"
#include "common/byte_size.h"

namespace otc::protocol {
namespace {

// 1234567 -> "1,234,567": message counts run into the millions.
std::string GroupThousands(uint64_t n) {
  std::string digits = std::to_string(n);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

}  // namespace

PadLeft EstimatePadLeft(Format format, uint64_t own_left, uint64_t own_half, bool hide_length) {
  Options options;
  options.hide_length = hide_length && format == Format::kOtc2;
  // The device sends every otc2 message with the standard envelope (envelope.h); its
  // values do not change its size.
  if (format == Format::kOtc2) options.envelope = Envelope{0, 0};
  Result<uint64_t> cost = PadCost(format, kTypicalMessageBytes, options);
  PadLeft left;
  left.bytes = own_left;
  left.total = own_half;
  left.messages = cost.ok() && *cost > 0 ? own_left / *cost : 0;
  return left;
}

std::string FormatPadBytes(uint64_t bytes) {
  if (bytes < 1024) return std::to_string(bytes) + (bytes == 1 ? " byte" : " bytes");
  return FormatByteSize(bytes);
}

std::string FormatPadLeft(const PadLeft& left) {
  std::string out = FormatPadBytes(left.bytes);
  if (left.total > 0) {
    out += " of " + FormatPadBytes(left.total) + " pad left (" +
           std::to_string(static_cast<uint64_t>(static_cast<unsigned __int128>(left.bytes) * 100 /
                                                left.total)) +
           "%)";
  } else {
    out += " pad left";
  }
  out += ", ~" + GroupThousands(left.messages) + (left.messages == 1 ? " message" : " messages") +
         " of " + std::to_string(kTypicalMessageBytes) + " bytes";
  return out;
}

}  // namespace otc::protocol
