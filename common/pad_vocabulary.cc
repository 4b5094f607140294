#include "common/pad_vocabulary.h"

#include <string>

namespace otc {

std::string_view DirectionName(Direction d) { return d == Direction::kUp ? "+1" : "-1"; }

Result<Direction> ParseDirection(std::string_view text) {
  if (text == "+1" || text == "1") return Direction::kUp;
  if (text == "-1") return Direction::kDown;
  return Status::InvalidArgument("direction \"" + std::string(text) +
                                 "\" is invalid: use +1 (send from index 0 upward) or -1 "
                                 "(send from the last index downward)");
}

std::string_view FormatName(Format format) { return format == Format::kOtc1 ? "otc1" : "otc2"; }

Result<Format> ParseFormat(std::string_view name) {
  if (name == "otc1") return Format::kOtc1;
  if (name == "otc2") return Format::kOtc2;
  return Status::InvalidArgument("unknown message format \"" + std::string(name) +
                                 "\" (use otc1 or otc2)");
}

}  // namespace otc
