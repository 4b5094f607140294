#include "common/cli/failure.h"

#include <cstdio>
#include <nlohmann/json.hpp>

#include "common/cli/exit_codes.h"

namespace otc::cli {

std::string FormatFailureLine(std::string_view program, const Failure& failure) {
  std::string line(program);
  line += ": ";
  line += failure.what;
  if (!failure.fix.empty()) {
    line += ": ";
    line += failure.fix;
  }
  // One line, whatever a message carried.
  for (char& c : line) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  return line;
}

std::string FormatFailureJson(const Failure& failure) {
  nlohmann::json j = {{"error", std::string(ExitCodeName(failure.exit_code))},
                      {"exit_code", failure.exit_code},
                      {"message", failure.what},
                      {"fix", failure.fix}};
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

int ReportFailure(std::string_view program, const Failure& failure, bool json) {
  if (json) {
    std::string out = FormatFailureJson(failure) + "\n";
    std::fwrite(out.data(), 1, out.size(), stdout);
    std::fflush(stdout);
  } else {
    std::string out = FormatFailureLine(program, failure) + "\n";
    std::fwrite(out.data(), 1, out.size(), stderr);
  }
  return failure.exit_code;
}

}  // namespace otc::cli
