// The one temporary directory of the test suites: a fresh directory under $TMPDIR (or
// /tmp), removed with everything in it when the object goes away.
//
// kMemoryIfPossible puts it under /dev/shm when that is writable: for suites that push
// tens of thousands of fsyncs through a store to test something else (the device's
// logic); durability itself is tested on the real file system.
//
// OTC_TEST_KEEP=1 in the environment keeps the directories (their paths go to stderr), to
// look at a failed test's stores, logs and sockets.
#pragma once

#include <stdlib.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

namespace otc {

class TestDir {
 public:
  enum class Place { kTemporary, kMemoryIfPossible };

  explicit TestDir(Place place = Place::kTemporary) {
    const char* tmp = std::getenv("TMPDIR");
    std::string base = tmp != nullptr && *tmp != '\0' ? tmp : "/tmp";
    if (place == Place::kMemoryIfPossible && ::access("/dev/shm", W_OK) == 0) base = "/dev/shm";
    std::string tmpl = base + "/otc-test-XXXXXX";
    if (mkdtemp(tmpl.data()) == nullptr) {
      std::perror(("TestDir: mkdtemp " + tmpl).c_str());
      std::abort();
    }
    path_ = tmpl;
  }
  ~TestDir() {
    if (std::getenv("OTC_TEST_KEEP") != nullptr) {
      std::fprintf(stderr, "TestDir: kept %s (OTC_TEST_KEEP)\n", path_.c_str());
      return;
    }
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TestDir(const TestDir&) = delete;
  TestDir& operator=(const TestDir&) = delete;

  const std::string& path() const { return path_; }
  // path() + "/" + name
  std::string File(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

}  // namespace otc
