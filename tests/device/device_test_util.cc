#include "tests/device/device_test_util.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "padstore/manifest.h"

namespace otc::device::testing {

using namespace std::chrono_literals;

namespace {

bool WriteFile(const std::string& path, const std::vector<uint8_t>& bytes) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  f.close();
  ::chmod(path.c_str(), 0600);
  return static_cast<bool>(f);
}

bool WritePadAndManifest(const std::string& pad_path, const std::string& manifest_path,
                         const std::vector<uint8_t>& pad) {
  padstore::Manifest m;
  m.pad_size = pad.size();
  m.chunk_size = 64 * 1024;
  for (uint64_t at = 0; at < pad.size(); at += m.chunk_size) {
    uint64_t end = std::min<uint64_t>(pad.size(), at + m.chunk_size);
    m.chunks.push_back(padstore::ChunkDigest({pad.data() + at, end - at}));
  }
  return WriteFile(pad_path, pad) && WriteFile(manifest_path, padstore::SerializeManifest(m));
}

}  // namespace

bool MakeStores(const TestDir& dir, const std::vector<Pair>& pairs) {
  std::map<std::string, bool> users;
  for (const Pair& p : pairs) users[p.a] = users[p.b] = true;
  for (const auto& [user, unused] : users) {
    Status s = padstore::Store::Init(StoreDir(dir, user), user);
    if (!s.ok()) {
      ADD_FAILURE() << "init " << user << ": " << s.ToString();
      return false;
    }
  }
  for (const Pair& p : pairs) {
    std::vector<uint8_t> pad = PadBytes(p.seed, 0, p.pad_size);
    for (int side = 0; side < 2; ++side) {
      const std::string& owner = side == 0 ? p.a : p.b;
      const std::string& peer = side == 0 ? p.b : p.a;
      std::string pad_path = dir.File(owner + "-" + peer + ".pad");
      std::string manifest_path = dir.File(owner + "-" + peer + ".manifest");
      if (!WritePadAndManifest(pad_path, manifest_path, pad)) {
        ADD_FAILURE() << "writing " << pad_path;
        return false;
      }
      padstore::ContactSpec spec;
      spec.peer = peer;
      spec.pad_path = pad_path;
      spec.manifest_path = manifest_path;
      spec.direction = side == 0 ? Direction::kUp : Direction::kDown;
      spec.format = p.format;
      auto info = padstore::RegisterContact(StoreDir(dir, owner), owner, spec);
      if (!info.ok()) {
        ADD_FAILURE() << "register " << owner << "->" << peer << ": " << info.status().ToString();
        return false;
      }
    }
  }
  return true;
}

std::string DeviceBinary() { return OTC_DEVICE_BINARY; }

std::string ReadText(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

namespace {

std::vector<char*> Argv(std::vector<std::string>& args) {
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  return argv;
}

std::string TempFile(const char* stem) {
  std::string tmpl = std::string("/tmp/") + stem + "-XXXXXX";
  int fd = ::mkstemp(tmpl.data());
  if (fd >= 0) ::close(fd);
  return tmpl;
}

int WaitExit(pid_t pid, std::chrono::milliseconds limit) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  for (;;) {
    int status = 0;
    pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid) {
      if (WIFEXITED(status)) return WEXITSTATUS(status);
      if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
      return -1;
    }
    if (r < 0) return -1;
    if (std::chrono::steady_clock::now() > deadline) return -2;
    std::this_thread::sleep_for(5ms);
  }
}

}  // namespace

std::unique_ptr<Daemon> Daemon::Start(const std::string& store, std::vector<std::string> extra) {
  std::vector<std::string> args = {DeviceBinary(), "serve", "--store", store};
  for (auto& e : extra) args.push_back(e);
  int out[2];
  if (::pipe2(out, O_CLOEXEC) != 0) return nullptr;
  auto daemon = std::unique_ptr<Daemon>(new Daemon);
  daemon->stderr_path_ = TempFile("otc-device-stderr");
  pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(out[1], 1);
    int err = ::open(daemon->stderr_path_.c_str(), O_WRONLY | O_TRUNC);
    ::dup2(err, 2);
    int devnull = ::open("/dev/null", O_RDONLY);
    ::dup2(devnull, 0);
    auto argv = Argv(args);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  ::close(out[1]);
  daemon->pid_ = pid;
  std::string seen;
  auto deadline = std::chrono::steady_clock::now() + 20s;
  while (seen.find('\n') == std::string::npos && std::chrono::steady_clock::now() < deadline) {
    pollfd p{out[0], POLLIN, 0};
    if (::poll(&p, 1, 50) == 1) {
      char buf[256];
      ssize_t n = ::read(out[0], buf, sizeof buf);
      if (n <= 0) break;  // the daemon exited before it listened
      seen.append(buf, static_cast<size_t>(n));
    }
  }
  ::close(out[0]);
  const std::string prefix = "listening on ";
  if (seen.rfind(prefix, 0) != 0 || seen.find('\n') == std::string::npos) {
    ADD_FAILURE() << "otc-device serve did not start; stderr:\n" << daemon->stderr_text();
    return nullptr;
  }
  daemon->address_ = seen.substr(prefix.size(), seen.find('\n') - prefix.size());
  return daemon;
}

Daemon::~Daemon() {
  if (pid_ > 0) Stop();
  if (!stderr_path_.empty()) ::unlink(stderr_path_.c_str());
}

int Daemon::Stop() {
  if (pid_ <= 0) return -1;
  ::kill(pid_, SIGTERM);
  int code = WaitExit(pid_, 20s);
  if (code == -2) {
    ::kill(pid_, SIGKILL);
    code = WaitExit(pid_, 20s);
    ADD_FAILURE() << "otc-device did not stop on SIGTERM";
  }
  pid_ = -1;
  return code;
}

bool Daemon::Alive() {
  return pid_ > 0 && ::kill(pid_, 0) == 0 && ::waitpid(pid_, nullptr, WNOHANG) == 0;
}

std::string Daemon::stderr_text() const { return ReadText(stderr_path_); }

RpcClient::RpcClient(const std::string& address, std::string token)
    : address_(address), token_(std::move(token)) {}

RpcClient::Reply RpcClient::Call(http::Verb verb, const std::string& target,
                                 const std::string& body, const std::string& content_type) {
  Reply reply;
  if (!client_) {
    auto c = http::Client::Connect(address_);
    if (!c.ok()) {
      ADD_FAILURE() << "connect " << address_ << ": " << c.status().ToString();
      return reply;
    }
    client_ = std::move(*c);
  }
  http::Request request(verb, target, 11);
  if (!body.empty() || verb == http::Verb::post || verb == http::Verb::put) {
    request.body() = body;
    if (!content_type.empty()) request.set(http::Field::content_type, content_type);
  }
  if (!token_.empty()) request.set(http::Field::authorization, "Bearer " + token_);
  auto response = client_->Send(std::move(request));
  if (!response.ok()) {
    ADD_FAILURE() << target << ": " << response.status().ToString();
    client_.reset();
    return reply;
  }
  reply.status = static_cast<int>(response->result_int());
  reply.raw = response->body();
  reply.body = nlohmann::json::parse(reply.raw, nullptr, false);
  if (reply.body.is_discarded()) reply.body = nullptr;
  return reply;
}

RunResult Run(const std::vector<std::string>& argv_in) {
  std::vector<std::string> args = argv_in;
  std::string out_path = TempFile("otc-run-out"), err_path = TempFile("otc-run-err");
  RunResult result;
  pid_t pid = ::fork();
  if (pid == 0) {
    int out = ::open(out_path.c_str(), O_WRONLY | O_TRUNC);
    int err = ::open(err_path.c_str(), O_WRONLY | O_TRUNC);
    int devnull = ::open("/dev/null", O_RDONLY);
    ::dup2(out, 1);
    ::dup2(err, 2);
    ::dup2(devnull, 0);
    ::setsid();  // no controlling terminal: --confirm tty must fail cleanly
    auto argv = Argv(args);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  result.exit_code = WaitExit(pid, 60s);
  result.out = ReadText(out_path);
  result.err = ReadText(err_path);
  ::unlink(out_path.c_str());
  ::unlink(err_path.c_str());
  return result;
}

}  // namespace otc::device::testing
