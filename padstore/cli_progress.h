// A one-line progress bar (percent, rate, ETA) on stderr, shown only when stderr is a
// terminal, for the long-running padstore commands (fsck, import-legacy).
#pragma once

#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>

#include "common/byte_size.h"

namespace otc::padstore {

class ProgressBar {
 public:
  explicit ProgressBar(std::string label)
      : label_(std::move(label)), enabled_(::isatty(2) == 1), start_(Clock::now()) {}
  ~ProgressBar() { Finish(); }

  void Update(uint64_t done, uint64_t total) {
    if (!enabled_ || total == 0) return;
    auto now = Clock::now();
    if (now - last_ < std::chrono::milliseconds(200) && done < total) return;
    last_ = now;
    double secs = std::chrono::duration<double>(now - start_).count();
    double rate = secs > 0 ? done / secs : 0;
    double eta = rate > 0 ? (total - done) / rate : 0;
    std::fprintf(stderr, "\r%s %5.1f%%  %s/%s  %s/s  ETA %02d:%02d   ", label_.c_str(),
                 100.0 * done / total, FormatByteSize(done).c_str(), FormatByteSize(total).c_str(),
                 FormatByteSize(static_cast<uint64_t>(rate)).c_str(), static_cast<int>(eta) / 60,
                 static_cast<int>(eta) % 60);
    drawn_ = true;
  }
  void Finish() {
    if (drawn_) std::fputc('\n', stderr);
    drawn_ = false;
  }

 private:
  using Clock = std::chrono::steady_clock;
  std::string label_;
  bool enabled_;
  bool drawn_ = false;
  Clock::time_point start_;
  Clock::time_point last_{};
};

}  // namespace otc::padstore
