// What padgen shows a person: rates, durations, and the progress bar.
//
// Progress goes to stderr (not with --quiet) and shows bytes done, the overall rate, the
// rate of each source when there are several, and the ETA. On a terminal it is one bar
// redrawn in place; otherwise (a nohup log, a pipe) it is a line every 10 s and at each
// whole percent, so a log shows the run is alive without filling up. SIGUSR1 asks for a
// line at once, as dd(1) does. Scripts get the `--json` summary instead.
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

// One look at long work: how far it is (0..1) and what to say about it.
struct ProgressSnapshot {
  double fraction = 0;
  std::string detail;  // "1.2G/4G 35.1 MiB/s ETA 2 min"
};

struct ProgressStyle {
  bool terminal = false;  // redraw a bar in place; otherwise print lines
  std::string what;       // "generating", "verifying"
  // Without a terminal: a line at least this often, and whenever a whole percent passes.
  std::chrono::milliseconds interval{10000};
  // Set (by a SIGUSR1 handler) to ask for a line at once; cleared when it is printed.
  std::atomic<bool>* report_now = nullptr;
};

// Shows progress from a background thread until Stop().
class ProgressReporter {
 public:
  ProgressReporter(FILE* out, ProgressStyle style, std::function<ProgressSnapshot()> look);
  ~ProgressReporter();
  // Erases the bar (on a terminal); idempotent.
  void Stop();

 private:
  void Loop();
  void Draw(const ProgressSnapshot& s);
  void PrintLine(const ProgressSnapshot& s);

  FILE* out_;
  ProgressStyle style_;
  std::function<ProgressSnapshot()> look_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  size_t last_width_ = 0;
  std::thread thread_;
};

}  // namespace otc::padgen
