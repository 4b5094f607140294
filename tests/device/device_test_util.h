// Helpers for the device tests: pairs of stores sharing a pad made in the test, a
// running otc-device daemon as a child process, and small HTTP helpers.
//
// Stores live under /dev/shm when it is writable: the daemon tests push tens of thousands
// of decrypts through padstore, which fsyncs each one, and this machine's disk takes
// ~5 ms per fsync. Durability itself is padstore's to test; these tests are about the
// device's logic.
#pragma once

#include <gtest/gtest.h>
#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/http/client.h"
#include "padstore/store.h"
#include "tests/common/test_dir.h"
#include "tests/common/test_pad.h"

namespace otc::device::testing {

// Where the device tests keep their stores (see above): a TestDir in memory if possible.
inline constexpr TestDir::Place kStorePlace = TestDir::Place::kMemoryIfPossible;

// The shared deterministic test pad (tests/common/test_pad.h).
using ::otc::test_pad::PadByte;
using ::otc::test_pad::PadBytes;

// Two users sharing one pad per pair: stores "<dir>/<user>" with a contact per peer.
// The first-named user of a pair sends with direction +1, the other with -1.
struct Pair {
  std::string a, b;
  Format format = Format::kOtc2;
  uint64_t pad_size = 1 << 20;
  uint64_t seed = 1;
};
// Creates every store and registers every pair's pad in both stores. Returns false
// (with a gtest failure) on error.
bool MakeStores(const TestDir& dir, const std::vector<Pair>& pairs);
inline std::string StoreDir(const TestDir& dir, const std::string& user) { return dir.File(user); }

// Path of the otc-device binary (compile definition).
std::string DeviceBinary();

// A running `otc-device serve` child process.
class Daemon {
 public:
  // Starts otc-device serve --store STORE <extra args>; waits for "listening on".
  static std::unique_ptr<Daemon> Start(const std::string& store, std::vector<std::string> extra);
  ~Daemon();  // SIGTERM, then SIGKILL after a while

  // SIGTERM and wait; the exit status (or -1).
  int Stop();
  bool Alive();
  const std::string& address() const { return address_; }  // "unix:/..." or "127.0.0.1:N"
  std::string stderr_text() const;

 private:
  pid_t pid_ = -1;
  std::string address_;
  std::string stderr_path_;
};

// A client talking to a daemon.
class RpcClient {
 public:
  explicit RpcClient(const std::string& address, std::string token = "");
  struct Reply {
    int status = 0;
    nlohmann::json body;  // null if the body was not JSON
    std::string raw;
  };
  Reply Call(http::Verb verb, const std::string& target, const std::string& body = "",
             const std::string& content_type = "application/json");
  Reply Get(const std::string& target) { return Call(http::Verb::get, target); }
  Reply Post(const std::string& target, const nlohmann::json& body) {
    return Call(http::Verb::post, target, body.dump());
  }
  Reply Package(const std::string& to, const std::string& message) {
    return Post("/v1/package", {{"to", to}, {"message", message}});
  }
  Reply Unpackage(const std::string& from, const std::string& package) {
    return Post("/v1/unpackage", {{"from", from}, {"package", package}});
  }
  void SetToken(std::string token) { token_ = std::move(token); }

 private:
  std::unique_ptr<http::Client> client_;
  std::string address_;
  std::string token_;
};

// Runs `argv` (argv[0] = the program) and captures its exit code, stdout and stderr.
struct RunResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};
RunResult Run(const std::vector<std::string>& argv);

std::string ReadText(const std::string& path);

}  // namespace otc::device::testing
