// Test helper: the otc-relay binary as a child process (OTC_RELAY_BINARY is its path,
// set by CMake). Started with --json, so its first stdout line gives the bound address.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

namespace otc::testing {

class RelayProcess {
 public:
  RelayProcess() = default;
  ~RelayProcess();  // SIGKILLs a child still running
  RelayProcess(const RelayProcess&) = delete;
  RelayProcess& operator=(const RelayProcess&) = delete;

  // Runs otc-relay with `args` (plus --json); waits for the startup line. False if the
  // process exited or printed nothing within `timeout`.
  bool Start(const std::vector<std::string>& args, const std::string& stderr_path,
             std::chrono::milliseconds timeout = std::chrono::seconds(20));
  const std::string& address() const { return address_; }
  // The whole startup line (JSON: "listen", "db", and "metrics_listen" / "tls_pin" when set).
  const std::string& startup_line() const { return startup_line_; }
  pid_t pid() const { return pid_; }

  void Signal(int sig);
  // Waits for exit; returns the exit code, 128+signal if killed, -1 on timeout.
  int Wait(std::chrono::milliseconds timeout = std::chrono::seconds(30));

  // Runs otc-relay to completion (for --help and usage errors); captures stdout+stderr.
  static int Run(const std::vector<std::string>& args, std::string* output);

 private:
  pid_t pid_ = -1;
  int stdout_fd_ = -1;
  std::string address_;
  std::string startup_line_;
};

}  // namespace otc::testing
