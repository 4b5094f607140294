// The version every otc program prints for --version.
//
// The version is the project's (CMakeLists.txt `project(otc VERSION ...)`); the git
// revision is recorded when the build was configured from a git checkout of this source
// tree, and reconfiguring follows new commits. A tarball build has no revision.
#pragma once

#include <string>
#include <string_view>

namespace otc::cli {

// "0.3.0"
std::string_view Version();
// "4ebc4a1c2d3e" (12 hex digits), or empty outside a git checkout.
std::string_view GitRevision();
// "padstore 0.3.0 (git 4ebc4a1c2d3e)", or "padstore 0.3.0" without a revision.
std::string VersionLine(std::string_view program);

}  // namespace otc::cli
