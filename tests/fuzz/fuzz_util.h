// Helpers shared by the libFuzzer targets in this folder.
//
// FuzzFile: the readers of on-disk formats take an Env and a path, so each input is put
// in a memfd and read back through /proc/self/fd/N: the real PosixEnv code path, no disk.
// FuzzCheck: a round-trip property failed; abort so libFuzzer keeps the input.
#pragma once

#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>
#include <string>
#include <string_view>

namespace otc::fuzz {

inline void FuzzCheck(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "round-trip property failed: %s\n", what);
    std::abort();
  }
}

class FuzzFile {
 public:
  FuzzFile() : fd_(::memfd_create("otc-fuzz", 0)) {
    if (fd_ < 0) std::abort();
    path_ = "/proc/self/fd/" + std::to_string(fd_);
  }
  ~FuzzFile() { ::close(fd_); }
  // Replaces the file's contents with `data`; returns its path.
  const std::string& Hold(const uint8_t* data, size_t size) {
    if (::ftruncate(fd_, 0) != 0) std::abort();
    size_t done = 0;
    while (done < size) {
      ssize_t n = ::pwrite(fd_, data + done, size - done, static_cast<off_t>(done));
      if (n <= 0) std::abort();
      done += static_cast<size_t>(n);
    }
    return path_;
  }

 private:
  int fd_;
  std::string path_;
};

inline std::string_view AsText(const uint8_t* data, size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

}  // namespace otc::fuzz
