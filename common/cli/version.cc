#include "common/cli/version.h"

#include "build_version.h"  // generated from build_version.h.in at configure time

namespace otc::cli {

std::string_view Version() { return OTC_BUILD_VERSION; }

std::string_view GitRevision() { return OTC_BUILD_GIT_REVISION; }

std::string VersionLine(std::string_view program) {
  std::string line(program);
  line += ' ';
  line += Version();
  if (!GitRevision().empty()) {
    line += " (git ";
    line += GitRevision();
    line += ')';
  }
  return line;
}

}  // namespace otc::cli
