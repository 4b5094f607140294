#include "chat/protocol/format.h"

#include <string>

#include "chat/protocol/otc1.h"

namespace otc::protocol {

std::string_view FormatName(Format format) { return format == Format::kOtc1 ? "otc1" : "otc2"; }

Result<Format> ParseFormat(std::string_view name) {
  if (name == "otc1") return Format::kOtc1;
  if (name == "otc2") return Format::kOtc2;
  return Status::InvalidArgument("unknown message format '" + std::string(name) +
                                 "' (use otc1 or otc2)");
}

uint64_t MaxPadIndex(Format format) {
  return format == Format::kOtc1 ? otc1::kMaxIndex : UINT64_MAX;
}

}  // namespace otc::protocol
