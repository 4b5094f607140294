// Helpers shared by the padgen tests (temporary directories: tests/common/test_dir.h),
// deterministic random data,
// scripted byte streams, size-limited tmpfs mounts, running the padgen binary, and an
// independent manifest checker (plain XXH3 over the file, not padgen's code).
#pragma once

#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "padgen/byte_stream.h"
#include "padgen/job.h"
#include "tests/common/test_dir.h"

namespace otc::padgen::testing {

// A tmpfs (or ramfs) of `size_bytes` mounted on a fresh directory; ok() is false when
// mounting is not possible (not root), and tests then GTEST_SKIP.
class ScratchMount {
 public:
  ScratchMount(const std::string& fstype, uint64_t size_bytes, bool read_only = false);
  ~ScratchMount();
  bool ok() const { return mounted_; }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  bool mounted_ = false;
};

// Deterministic pseudo-random bytes (xoshiro-style generator seeded with `seed`).
std::vector<uint8_t> PseudoRandom(size_t n, uint64_t seed);

// RunJob with everything it prints to stderr captured into `*messages` and a short
// source-rate measurement (`measure_ms`).
JobOutcome RunJobCapturing(const JobOptions& options, const JobHooks& hooks,
                           const std::atomic<bool>& cancel, std::string* messages,
                           int measure_ms = 50);

std::vector<uint8_t> ReadAll(const std::string& path);
void WriteAll(const std::string& path, const std::vector<uint8_t>& data);
bool Exists(const std::string& path);
uint32_t FileMode(const std::string& path);

// Parses the manifest at `path` independently of padstore's reader (format from
// padstore/manifest.h) and checks every chunk digest against `pad` with XXH3-128.
struct ManifestCheck {
  bool header_ok = false;
  uint64_t pad_size = 0;
  uint64_t chunk_size = 0;
  std::vector<uint8_t> extension;
  uint64_t chunk_records = 0;
  bool complete = false;       // a final record with the right whole-pad digest
  bool digests_match = false;  // every recorded chunk matches the pad data
};
ManifestCheck CheckManifest(const std::string& manifest_path, const std::string& pad_path);

// A ByteStream that plays a script: data, then EOF or an error.
class ScriptedStream final : public ByteStream {
 public:
  ScriptedStream(std::string name, std::vector<uint8_t> data, int error_at_end = 0,
                 size_t max_read = 4096);
  Result<size_t> Read(std::span<uint8_t> out, const std::atomic<bool>& stop,
                      std::chrono::milliseconds max_wait = kWaitForever) override;
  const std::string& name() const override { return name_; }
  const char* kind() const override { return "scripted"; }

 private:
  std::string name_;
  std::vector<uint8_t> data_;
  size_t pos_ = 0;
  int error_at_end_;  // 0: EOF at the end; an errno: fail with it
  size_t max_read_;
};

struct RunResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};
// Runs the padgen binary with `args` and waits for it.
RunResult RunPadgen(const std::vector<std::string>& args);
// Starts padgen and returns its pid (stdout to /dev/null, stderr to `stderr_path`).
int StartPadgen(const std::vector<std::string>& args, const std::string& stderr_path = "/dev/null");
// Waits for a started padgen; returns its exit code, or 128+signal.
int WaitPadgen(int pid);

bool LongProfile();

}  // namespace otc::padgen::testing
