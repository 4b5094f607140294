#include "test_util.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <xxhash.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "common/coding.h"
#include "padstore/crc32c.h"

extern char** environ;

namespace otc::padgen::testing {

ScratchMount::ScratchMount(const std::string& fstype, uint64_t size_bytes, bool read_only) {
  std::string tmpl = "/tmp/otc-padgen-mnt-XXXXXX";
  char* p = ::mkdtemp(tmpl.data());
  if (p == nullptr) return;
  path_ = p;
  if (::geteuid() != 0) return;
  std::string opts = fstype == "tmpfs" ? "size=" + std::to_string(size_bytes) : "";
  unsigned long flags = read_only ? MS_RDONLY : 0;
  mounted_ = ::mount(fstype.c_str(), path_.c_str(), fstype.c_str(), flags,
                     opts.empty() ? nullptr : opts.c_str()) == 0;
}

ScratchMount::~ScratchMount() {
  if (mounted_) ::umount2(path_.c_str(), MNT_DETACH);
  ::rmdir(path_.c_str());
}

std::vector<uint8_t> PseudoRandom(size_t n, uint64_t seed) {
  // splitmix64: plenty for test data, and independent of anything under test.
  std::vector<uint8_t> out(n);
  uint64_t x = seed;
  for (size_t i = 0; i < n; i += 8) {
    x += 0x9e3779b97f4a7c15ull;
    uint64_t z = x;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    z ^= z >> 31;
    for (size_t k = 0; k < 8 && i + k < n; ++k) out[i + k] = static_cast<uint8_t>(z >> (8 * k));
  }
  return out;
}

JobOutcome RunJobCapturing(const JobOptions& options, const JobHooks& hooks,
                           const std::atomic<bool>& cancel, std::string* messages, int measure_ms) {
  char* buf = nullptr;
  size_t len = 0;
  FILE* f = open_memstream(&buf, &len);
  JobUi ui;
  ui.err = f;
  ui.measure_budget = std::chrono::milliseconds(measure_ms);
  JobOutcome out = RunJob(options, ui, hooks, cancel);
  std::fclose(f);
  messages->assign(buf, len);
  std::free(buf);
  return out;
}

std::vector<uint8_t> ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), {});
}

void WriteAll(const std::string& path, const std::vector<uint8_t>& data) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(data.data()), static_cast<std::streamsize>(data.size()));
}

bool Exists(const std::string& path) { return ::access(path.c_str(), F_OK) == 0; }

uint32_t FileMode(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return 0;
  return st.st_mode & 07777;
}

namespace {
std::array<uint8_t, 16> Xxh128(const void* data, size_t n) {
  XXH128_hash_t h = XXH3_128bits(data, n);
  std::array<uint8_t, 16> d;
  for (int i = 0; i < 8; ++i) {
    d[i] = static_cast<uint8_t>(h.high64 >> (56 - 8 * i));
    d[8 + i] = static_cast<uint8_t>(h.low64 >> (56 - 8 * i));
  }
  return d;
}
}  // namespace

ManifestCheck CheckManifest(const std::string& manifest_path, const std::string& pad_path) {
  ManifestCheck c;
  std::vector<uint8_t> m = ReadAll(manifest_path);
  if (m.size() < 36 || std::memcmp(m.data(), "OTCPADM1", 8) != 0) return c;
  uint32_t ext_len = DecodeFixed32(&m[12]);
  size_t body = 32 + ext_len;
  if (m.size() < body + 4) return c;
  if (padstore::Crc32c({m.data(), body}) != DecodeFixed32(&m[body])) return c;
  c.header_ok = true;
  c.pad_size = DecodeFixed64(&m[16]);
  c.chunk_size = DecodeFixed64(&m[24]);
  c.extension.assign(m.begin() + 32, m.begin() + body);
  std::vector<uint8_t> pad = ReadAll(pad_path);
  if (pad.size() < c.pad_size) return c;
  const uint64_t count = (c.pad_size + c.chunk_size - 1) / c.chunk_size;
  std::vector<std::array<uint8_t, 16>> digests;
  bool match = true;
  size_t pos = body + 4;
  while (pos + 36 <= m.size()) {
    const uint8_t* r = &m[pos];
    if (padstore::Crc32c({r, 32}) != DecodeFixed32(r + 32)) break;
    std::array<uint8_t, 16> d;
    std::memcpy(d.data(), r + 16, 16);
    uint64_t index = DecodeFixed64(r + 8);
    if (r[0] == 1) {
      if (index != digests.size()) break;
      uint64_t start = index * c.chunk_size;
      uint64_t len = std::min(c.chunk_size, c.pad_size - start);
      if (Xxh128(pad.data() + start, len) != d) match = false;
      digests.push_back(d);
    } else if (r[0] == 2) {
      c.complete = index == count && digests.size() == count &&
                   Xxh128(digests.data(), digests.size() * 16) == d;
      break;
    } else {
      break;
    }
    pos += 36;
  }
  c.chunk_records = digests.size();
  c.digests_match = match;
  return c;
}

ScriptedStream::ScriptedStream(std::string name, std::vector<uint8_t> data, int error_at_end,
                               size_t max_read)
    : name_(std::move(name)),
      data_(std::move(data)),
      error_at_end_(error_at_end),
      max_read_(max_read) {}

Result<size_t> ScriptedStream::Read(std::span<uint8_t> out, const std::atomic<bool>& stop,
                                    std::chrono::milliseconds) {
  if (stop.load()) return size_t{0};
  if (pos_ == data_.size()) {
    if (error_at_end_ != 0) return Status::FromErrno(error_at_end_, "reading " + name_);
    return size_t{0};
  }
  size_t n = std::min({out.size(), data_.size() - pos_, max_read_});
  std::memcpy(out.data(), data_.data() + pos_, n);
  pos_ += n;
  return n;
}

namespace {

std::string Slurp(int fd) {
  std::string s;
  char buf[4096];
  ssize_t n;
  while ((n = ::read(fd, buf, sizeof buf)) > 0) s.append(buf, static_cast<size_t>(n));
  return s;
}

std::vector<char*> Argv(const std::vector<std::string>& args, std::vector<std::string>& storage) {
  storage = args;
  storage.insert(storage.begin(), PADGEN_BINARY);
  std::vector<char*> argv;
  for (auto& a : storage) argv.push_back(a.data());
  argv.push_back(nullptr);
  return argv;
}

}  // namespace

RunResult RunPadgen(const std::vector<std::string>& args) {
  // stdout and stderr go to temporary files so a chatty child cannot fill a pipe.
  char out_tmpl[] = "/tmp/otc-padgen-out-XXXXXX";
  char err_tmpl[] = "/tmp/otc-padgen-err-XXXXXX";
  int out_fd = ::mkstemp(out_tmpl);
  int err_fd = ::mkstemp(err_tmpl);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, out_fd, 1);
  posix_spawn_file_actions_adddup2(&fa, err_fd, 2);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  std::vector<std::string> storage;
  std::vector<char*> argv = Argv(args, storage);
  pid_t pid;
  RunResult r;
  if (posix_spawn(&pid, PADGEN_BINARY, &fa, nullptr, argv.data(), environ) == 0) {
    r.exit_code = WaitPadgen(pid);
  }
  posix_spawn_file_actions_destroy(&fa);
  ::lseek(out_fd, 0, SEEK_SET);
  ::lseek(err_fd, 0, SEEK_SET);
  r.out = Slurp(out_fd);
  r.err = Slurp(err_fd);
  ::close(out_fd);
  ::close(err_fd);
  ::unlink(out_tmpl);
  ::unlink(err_tmpl);
  return r;
}

int StartPadgen(const std::vector<std::string>& args, const std::string& stderr_path) {
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 2, stderr_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  std::vector<std::string> storage;
  std::vector<char*> argv = Argv(args, storage);
  pid_t pid = -1;
  if (posix_spawn(&pid, PADGEN_BINARY, &fa, nullptr, argv.data(), environ) != 0) pid = -1;
  posix_spawn_file_actions_destroy(&fa);
  return pid;
}

int WaitPadgen(int pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return -1;
  }
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

bool LongProfile() {
  const char* p = std::getenv("OTC_TEST_PROFILE");
  return p != nullptr && std::string(p) == "long";
}

}  // namespace otc::padgen::testing
