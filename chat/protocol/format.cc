#include "chat/protocol/format.h"

#include <string>

#include "chat/protocol/otc1.h"

namespace otc::protocol {

uint64_t MaxPadIndex(Format format) {
  return format == Format::kOtc1 ? otc1::kMaxIndex : UINT64_MAX;
}

}  // namespace otc::protocol
