// PadSource: where pad bytes come from, as the generation pipeline sees it.
//
// Implementations: RandomSource (getrandom(2) on several threads, random_source.h),
// StreamSource (HRNG devices with health tests, stream_source.h) and FileSource (one
// file or pipe, file_source.h).
//
// The pipeline calls Fill() from PreferredFillers() threads at once; each call fills
// one whole chunk buffer. A source that fails (device error, end of stream, repeated
// health-test failures) returns the error from Fill; Stop() makes blocked Fill calls
// return promptly (with kFailed) so the pipeline can shut down.
#pragma once

#include <chrono>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "common/status.h"

namespace otc::padgen {

// What one stream (a device, a file, or the getrandom pool) has done so far.
struct StreamStats {
  std::string name;              // "/dev/hwrng", "getrandom", "file:/dev/shm/x"
  std::string kind;              // "hrng", "random", "file"
  uint64_t bytes_read = 0;       // raw bytes read from the stream
  uint64_t bytes_accepted = 0;   // passed the health tests (or untested) and usable
  uint64_t bytes_discarded = 0;  // in blocks that failed a health test, or startup samples
  bool health_tested = false;
  uint32_t rct_cutoff = 0;
  uint32_t apt_cutoff = 0;
  uint64_t rct_failures = 0;
  uint64_t apt_failures = 0;
};

class PadSource {
 public:
  virtual ~PadSource() = default;

  // One line for the user: "getrandom (2 threads)", "HRNG /dev/hwrng + /dev/ttyACM0".
  virtual std::string Describe() const = 0;
  // Opens devices and starts reader threads; HRNG startup health tests happen here or
  // in the first Fill.
  virtual Status Start() = 0;
  // Fills `out` completely. Thread-safe.
  virtual Status Fill(std::span<uint8_t> out) = 0;
  // How many threads should call Fill concurrently.
  virtual size_t PreferredFillers() const = 0;
  // True for a byte stream: the pipeline then makes the Fill calls one at a time, in
  // chunk order, so the pad holds the stream in order; with several fillers, digesting
  // one chunk overlaps filling the next.
  virtual bool Ordered() const { return false; }
  // Source throughput in bytes/second, measured for at most `budget` (may read ahead;
  // bytes read while measuring are not lost).
  virtual double MeasureRate(std::chrono::milliseconds budget) = 0;
  virtual std::vector<StreamStats> Stats() const = 0;
  // Unblocks Fill and stops reader threads. Idempotent.
  virtual void Stop() = 0;
};

}  // namespace otc::padgen
