#include "tests/e2e/process.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

extern char** environ;

namespace otc::e2e {

namespace {

int ExitCodeOf(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

}  // namespace

Child& Child::operator=(Child&& o) noexcept {
  if (this != &o) {
    Stop();
    pid_ = o.pid_;
    name_ = std::move(o.name_);
    status_ = o.status_;
    o.pid_ = -1;
  }
  return *this;
}

Child Child::Spawn(const std::vector<std::string>& argv, const SpawnOptions& options) {
  Child c;
  c.name_ = argv.empty() ? "" : argv[0];
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, options.stdin_path.c_str(), O_RDONLY, 0);
  posix_spawn_file_actions_addopen(
      &fa, 1, options.stdout_path.empty() ? "/dev/null" : options.stdout_path.c_str(),
      O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_addopen(
      &fa, 2, options.stderr_path.empty() ? "/dev/null" : options.stderr_path.c_str(),
      O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t none;
  sigemptyset(&none);
  posix_spawnattr_setsigmask(&attr, &none);
  sigset_t defaults;
  sigfillset(&defaults);
  posix_spawnattr_setsigdefault(&attr, &defaults);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);

  std::vector<std::string> env_strings;
  for (char** e = environ; *e != nullptr; ++e) {
    std::string kv(*e);
    std::string key = kv.substr(0, kv.find('='));
    if (!options.env.contains(key)) env_strings.push_back(kv);
  }
  for (const auto& [k, v] : options.env) env_strings.push_back(k + "=" + v);
  std::vector<char*> envp;
  for (std::string& s : env_strings) envp.push_back(s.data());
  envp.push_back(nullptr);
  std::vector<std::string> args = argv;
  std::vector<char*> argvp;
  for (std::string& s : args) argvp.push_back(s.data());
  argvp.push_back(nullptr);

  pid_t pid = -1;
  if (posix_spawn(&pid, argvp[0], &fa, &attr, argvp.data(), envp.data()) == 0) c.pid_ = pid;
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&attr);
  return c;
}

bool Child::running() {
  if (pid_ < 0) return false;
  int status = 0;
  pid_t r = waitpid(pid_, &status, WNOHANG);
  if (r == pid_) {
    status_ = ExitCodeOf(status);
    pid_ = -1;
    return false;
  }
  return true;
}

int Child::Wait(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (pid_ >= 0) {
    int status = 0;
    pid_t r = waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
      status_ = ExitCodeOf(status);
      pid_ = -1;
      break;
    }
    if (std::chrono::steady_clock::now() >= deadline) return -1;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return status_;
}

void Child::Signal(int sig) {
  if (pid_ >= 0) ::kill(pid_, sig);
}

int Child::Stop(std::chrono::milliseconds grace) {
  if (pid_ < 0) return status_;
  ::kill(pid_, SIGTERM);
  int code = Wait(grace);
  if (code == -1 && pid_ >= 0) {
    ::kill(pid_, SIGKILL);
    code = Wait(std::chrono::milliseconds(10'000));
  }
  return code;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void WriteFile(const std::string& path, const std::string& text, unsigned mode) {
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << text;
  }
  ::chmod(path.c_str(), mode);
}

RunResult Run(const std::vector<std::string>& argv, const std::string& scratch_dir,
              const std::string& stdin_text, std::chrono::milliseconds timeout,
              const std::map<std::string, std::string>& env) {
  static std::atomic<int> counter{0};
  std::string base = scratch_dir + "/run" + std::to_string(counter++);
  SpawnOptions o;
  o.stdin_path = base + ".in";
  o.stdout_path = base + ".out";
  o.stderr_path = base + ".err";
  o.env = env;
  WriteFile(o.stdin_path, stdin_text);
  Child c = Child::Spawn(argv, o);
  RunResult r;
  if (c.pid() < 0) {
    r.err = "spawn failed: " + (argv.empty() ? std::string() : argv[0]);
    return r;
  }
  r.exit_code = c.Wait(timeout);
  if (r.exit_code == -1) c.Stop(std::chrono::milliseconds(1000));
  r.out = ReadFile(o.stdout_path);
  r.err = ReadFile(o.stderr_path);
  ::unlink(o.stdin_path.c_str());
  ::unlink(o.stdout_path.c_str());
  ::unlink(o.stderr_path.c_str());
  return r;
}

bool WaitForUnixSocket(const std::string& path, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
    bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    ::close(fd);
    if (ok) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

bool WaitForFileContaining(const std::string& path, const std::string& needle,
                           std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (ReadFile(path).find(needle) != std::string::npos) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream ss(text);
  std::string line;
  while (std::getline(ss, line)) out.push_back(line);
  return out;
}

std::vector<nlohmann::json> JsonLines(const std::string& text) {
  std::vector<nlohmann::json> out;
  for (const std::string& line : Lines(text)) {
    if (!line.empty()) out.push_back(nlohmann::json::parse(line));
  }
  return out;
}

}  // namespace otc::e2e
