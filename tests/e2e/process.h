// Child processes for the end-to-end tests: spawn the real binaries, feed stdin, collect
// stdout/stderr in files, wait with a deadline, and always clean up (SIGTERM, then SIGKILL).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace otc::e2e {

struct SpawnOptions {
  std::string stdin_path = "/dev/null";
  std::string stdout_path;                 // empty: /dev/null
  std::string stderr_path;                 // empty: /dev/null
  std::map<std::string, std::string> env;  // added to (or replacing in) the environment
};

class Child {
 public:
  Child() = default;
  Child(Child&& o) noexcept : pid_(o.pid_), name_(std::move(o.name_)) { o.pid_ = -1; }
  Child& operator=(Child&& o) noexcept;
  ~Child() { Stop(); }

  // Starts argv[0] with arguments. Returns a Child with pid() < 0 on failure.
  static Child Spawn(const std::vector<std::string>& argv, const SpawnOptions& options);

  pid_t pid() const { return pid_; }
  bool running();
  // Waits for exit; returns the exit code, 128+signal if killed, or -1 on timeout.
  int Wait(std::chrono::milliseconds timeout);
  // SIGTERM, wait up to `grace`, then SIGKILL. Returns the exit status as Wait does.
  int Stop(std::chrono::milliseconds grace = std::chrono::milliseconds(5000));
  void Signal(int sig);

 private:
  pid_t pid_ = -1;
  std::string name_;
  int status_ = -1;
};

struct RunResult {
  int exit_code = -1;  // -1: timed out (and killed)
  std::string out;
  std::string err;
};

// Runs to completion with `stdin_text` on stdin (in a temp file under `scratch_dir`).
RunResult Run(const std::vector<std::string>& argv, const std::string& scratch_dir,
              const std::string& stdin_text = "",
              std::chrono::milliseconds timeout = std::chrono::milliseconds(60'000),
              const std::map<std::string, std::string>& env = {});

std::string ReadFile(const std::string& path);
void WriteFile(const std::string& path, const std::string& text, unsigned mode = 0600);

// Waits until a Unix socket at `path` accepts connections.
bool WaitForUnixSocket(const std::string& path, std::chrono::milliseconds timeout);

// Polls `path` until its contents contain `needle`.
bool WaitForFileContaining(const std::string& path, const std::string& needle,
                           std::chrono::milliseconds timeout);

// Lines of a text ("a\nb\n" -> {"a","b"}).
std::vector<std::string> Lines(const std::string& text);
// The JSON documents of a JSON-lines output (`otc recv --json`), blank lines skipped.
std::vector<nlohmann::json> JsonLines(const std::string& text);

}  // namespace otc::e2e
