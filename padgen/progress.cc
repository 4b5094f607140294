#include "padgen/progress.h"

#include <algorithm>
#include <cmath>

namespace otc::padgen {
namespace {

std::string Fixed(double v, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

std::string Percent(double fraction) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%5.1f%%", 100.0 * std::clamp(fraction, 0.0, 1.0));
  return buf;
}

}  // namespace

std::string FormatRate(double bps) {
  static const char* kUnits[] = {"B/s", "KiB/s", "MiB/s", "GiB/s", "TiB/s"};
  if (!(bps > 0)) return "0 B/s";
  int unit = 0;
  while (bps >= 1024.0 && unit < 4) {
    bps /= 1024.0;
    ++unit;
  }
  int decimals = unit == 0 ? 0 : (bps < 10 ? 2 : (bps < 100 ? 1 : 0));
  return Fixed(bps, decimals) + " " + kUnits[unit];
}

std::string FormatDuration(double s) {
  if (!std::isfinite(s) || s < 0) return "unknown";
  if (s < 90) return Fixed(std::max(1.0, std::round(s)), 0) + " s";
  if (s < 90 * 60) return Fixed(std::round(s / 60), 0) + " min";
  if (s < 48 * 3600) return Fixed(s / 3600, 1) + " h";
  const double day = 86400;
  if (s < 60 * day) return Fixed(s / day, 1) + " days";
  if (s < 730 * day) return Fixed(s / (day * 30.44), 1) + " months";
  return Fixed(s / (day * 365.25), 1) + " years";
}

std::string ProgressBar(double fraction, int width) {
  fraction = std::clamp(fraction, 0.0, 1.0);
  int full = static_cast<int>(fraction * width);
  std::string bar;
  bar.reserve(static_cast<size_t>(width) + 2);
  bar.push_back('[');
  bar.append(static_cast<size_t>(full), '#');
  bar.append(static_cast<size_t>(width - full), '.');
  bar.push_back(']');
  return bar;
}

ProgressReporter::ProgressReporter(FILE* out, ProgressStyle style,
                                   std::function<ProgressSnapshot()> look)
    : out_(out), style_(std::move(style)), look_(std::move(look)) {
  thread_ = std::thread([this] { Loop(); });
}

ProgressReporter::~ProgressReporter() { Stop(); }

void ProgressReporter::Draw(const ProgressSnapshot& s) {
  std::string line = (style_.what.empty() ? "" : style_.what + " ") + ProgressBar(s.fraction, 24) +
                     " " + Percent(s.fraction) + " " + s.detail;
  size_t width = line.size();
  if (width < last_width_) line += std::string(last_width_ - width, ' ');
  last_width_ = width;
  std::fprintf(out_, "\r%s", line.c_str());
  std::fflush(out_);
}

void ProgressReporter::PrintLine(const ProgressSnapshot& s) {
  std::string pct = Percent(s.fraction);
  pct.erase(0, pct.find_first_not_of(' '));
  std::fprintf(out_, "padgen: %s %s %s\n", style_.what.c_str(), pct.c_str(), s.detail.c_str());
  std::fflush(out_);
}

void ProgressReporter::Loop() {
  using Clock = std::chrono::steady_clock;
  // How often to look: a terminal is redrawn twice a second; for lines, often enough to
  // notice a whole percent or a SIGUSR1 promptly.
  const auto tick = style_.terminal ? std::chrono::milliseconds(500)
                                    : std::min(style_.interval, std::chrono::milliseconds(100));
  auto last_line = Clock::now();
  long last_percent = -1;
  std::unique_lock<std::mutex> lock(mu_);
  while (!stop_) {
    const bool asked = style_.report_now != nullptr && style_.report_now->exchange(false);
    if (style_.terminal) {
      Draw(look_());
    } else {
      const ProgressSnapshot s = look_();
      const long percent = static_cast<long>(std::floor(100.0 * s.fraction));
      if (asked || percent > last_percent || Clock::now() - last_line >= style_.interval) {
        PrintLine(s);
        last_line = Clock::now();
        last_percent = std::max(last_percent, percent);
      }
    }
    cv_.wait_for(lock, tick, [&] {
      return stop_ || (style_.report_now != nullptr && style_.report_now->load());
    });
  }
}

void ProgressReporter::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stop_ && !thread_.joinable()) return;
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) {
    thread_.join();
    if (style_.terminal) {
      std::fprintf(out_, "\r%s\r", std::string(last_width_, ' ').c_str());
      std::fflush(out_);
    }
  }
}

}  // namespace otc::padgen
