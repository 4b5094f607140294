#include "chat/protocol/protocol.h"

#include <string>

#include "chat/protocol/bytes.h"
#include "chat/protocol/mac.h"
#include "chat/protocol/otc1.h"
#include "chat/protocol/otc2.h"

namespace otc::protocol {
namespace {

Status CheckOptions(const Options& options) {
  if (options.max_message_size > kMaxMessageSizeLimit) {
    return Status::InvalidArgument("max_message_size " + std::to_string(options.max_message_size) +
                                   " is over the format limit " +
                                   std::to_string(kMaxMessageSizeLimit));
  }
  return Status::Ok();
}

Status CheckMessageSize(Format format, size_t m, const Options& options) {
  if (Status s = CheckOptions(options); !s.ok()) return s;
  if (format == Format::kOtc1 && options.hide_length) {
    return Status::Unsupported("otc1 has no length hiding (use otc2)");
  }
  if (format == Format::kOtc1 && options.envelope) {
    return Status::Unsupported("otc1 has no envelope (use otc2)");
  }
  if (m > options.max_message_size) {
    return Status::TooLarge("message of " + std::to_string(m) + " bytes exceeds the limit of " +
                            std::to_string(options.max_message_size));
  }
  return Status::Ok();
}

// Bytes an otc2 package encrypts for a message of `message_len` bytes: envelope + text.
size_t Otc2Plaintext(size_t message_len, const Options& options) {
  return message_len + (options.envelope ? EnvelopeSize(*options.envelope) : 0);
}

}  // namespace

Result<uint64_t> PadCost(Format format, size_t message_len, const Options& options) {
  if (Status s = CheckMessageSize(format, message_len, options); !s.ok()) return s;
  if (format == Format::kOtc1) return otc1::PadCostFor(message_len);
  return otc2::kKeySize +
         otc2::BodyLength(Otc2Plaintext(message_len, options), options.hide_length);
}

Result<size_t> PackageSize(Format format, size_t message_len, const Options& options) {
  if (Status s = CheckMessageSize(format, message_len, options); !s.ok()) return s;
  if (format == Format::kOtc1) return otc1::kOverhead + message_len;
  return otc2::kOverhead +
         otc2::BodyLength(Otc2Plaintext(message_len, options), options.hide_length);
}

Result<std::vector<uint8_t>> Package(Format format, std::span<const uint8_t> message,
                                     uint64_t index, Direction direction, PadStream& pad,
                                     const Options& options) {
  if (Status s = CheckOptions(options); !s.ok()) return s;
  if (format == Format::kOtc1 && options.envelope) {
    return Status::Unsupported("otc1 has no envelope (use otc2)");
  }
  if (format == Format::kOtc1) return otc1::Package(message, index, direction, pad, options);
  return otc2::Package(message, index, direction, pad, options);
}

Result<PackageHeader> ParsePackageHeader(Format format, std::span<const uint8_t> package,
                                         const Options& options) {
  if (Status s = CheckOptions(options); !s.ok()) return s;
  if (format == Format::kOtc1) return otc1::ParseHeader(package, options);
  return otc2::ParseHeader(package, options);
}

Result<SecretBuffer> Unpackage(Format format, std::span<const uint8_t> package, Direction direction,
                               PadStream& pad, const Options& options, Envelope* envelope) {
  auto header = ParsePackageHeader(format, package, options);
  if (!header.ok()) return header.status();
  return Unpackage(*header, package, direction, pad, options, envelope);
}

Result<SecretBuffer> Unpackage(const PackageHeader& header, std::span<const uint8_t> package,
                               Direction direction, PadStream& pad, const Options& options,
                               Envelope* envelope) {
  if (Status s = CheckOptions(options); !s.ok()) return s;
  if (header.format == Format::kOtc1) {
    if (envelope != nullptr) *envelope = Envelope{};
    return otc1::Unpackage(header, package, direction, pad, options);
  }
  return otc2::Unpackage(header, package, direction, pad, options, envelope);
}

void ReleaseThreadState() {
  internal::ReleaseThreadMacContexts();
  internal::ReleaseThreadScratch();
}

}  // namespace otc::protocol
