// What padgen shows a person: rates, durations, and the progress bar.
//
// The progress bar is drawn on stderr only when stderr is a terminal (and not with
// --quiet); it shows bytes done, the overall rate, the rate of each source when there
// are several, and the ETA. Scripts get the `--json` summary instead.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

namespace otc::padgen {

// "512 B/s", "48.8 KiB/s", "1.21 GiB/s".
std::string FormatRate(double bytes_per_second);
// "40 s", "12 min", "3.5 h", "2.1 days", "8.3 months", "1.4 years".
std::string FormatDuration(double seconds);
// A [#####.....] bar of `width` cells for `fraction` in [0, 1].
std::string ProgressBar(double fraction, int width);

// Redraws one status line on a terminal every `interval` until Stop().
class ProgressLine {
 public:
  // `render` returns the line to draw (without "\r" or padding).
  ProgressLine(FILE* out, std::function<std::string()> render,
               std::chrono::milliseconds interval = std::chrono::milliseconds(500));
  ~ProgressLine();
  // Erases the line; idempotent.
  void Stop();

 private:
  FILE* out_;
  std::function<std::string()> render_;
  std::chrono::milliseconds interval_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  size_t last_width_ = 0;
  std::thread thread_;
};

}  // namespace otc::padgen
