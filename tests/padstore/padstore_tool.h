// Runs the padstore program this build made (OTC_PADSTORE_BIN) as a separate process, as
// a user would: the tests of its command line share this one runner.
#pragma once

#include <sys/wait.h>

#include <cstdio>
#include <string>

namespace otc::padstore::testing {

struct ToolRun {
  int code = -1;    // the exit code; -1 when it did not exit normally
  std::string out;  // standard output and standard error together
};

// `args` are shell words after the program name. Standard input is /dev/null: never a
// terminal, so commands that would ask need --yes.
inline ToolRun RunPadstore(const std::string& args) {
  const std::string cmd = std::string(OTC_PADSTORE_BIN) + " " + args + " </dev/null 2>&1";
  ToolRun r;
  FILE* p = ::popen(cmd.c_str(), "r");
  if (p == nullptr) return r;
  char buf[4096];
  for (size_t n; (n = std::fread(buf, 1, sizeof buf, p)) > 0;) r.out.append(buf, n);
  const int status = ::pclose(p);
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

}  // namespace otc::padstore::testing
