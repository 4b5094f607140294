#include "padstore/cli_failure.h"

#include "common/cli/exit_codes.h"
#include "common/cli/failure.h"

namespace otc::padstore {

int ExitCodeFor(const Status& s, NotFoundIs not_found) {
  switch (s.code()) {
    case Status::Code::kBusy:
      return cli::kExitInUse;
    case Status::Code::kInvalidArgument:
      return cli::kExitUsage;
    case Status::Code::kDenied:
      return cli::kExitDenied;
    case Status::Code::kNotFound:
      return not_found == NotFoundIs::kUnknownContact ? cli::kExitUnknownContact : cli::kExitFailed;
    default:
      return cli::kExitFailed;
  }
}

int Fail(const Status& s, bool json, NotFoundIs not_found, const std::string& fix) {
  return cli::ReportFailure("padstore", {ExitCodeFor(s, not_found), s.message(), fix}, json);
}

}  // namespace otc::padstore
