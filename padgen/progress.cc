#include "padgen/progress.h"

#include <cmath>

namespace otc::padgen {
namespace {

std::string Fixed(double v, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
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

ProgressLine::ProgressLine(FILE* out, std::function<std::string()> render,
                           std::chrono::milliseconds interval)
    : out_(out), render_(std::move(render)), interval_(interval) {
  thread_ = std::thread([this] {
    std::unique_lock<std::mutex> lock(mu_);
    while (!stop_) {
      std::string line = render_();
      size_t width = line.size();
      if (width < last_width_) line += std::string(last_width_ - width, ' ');
      last_width_ = width;
      std::fprintf(out_, "\r%s", line.c_str());
      std::fflush(out_);
      cv_.wait_for(lock, interval_, [&] { return stop_; });
    }
  });
}

ProgressLine::~ProgressLine() { Stop(); }

void ProgressLine::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stop_ && !thread_.joinable()) return;
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) {
    thread_.join();
    std::fprintf(out_, "\r%s\r", std::string(last_width_, ' ').c_str());
    std::fflush(out_);
  }
}

}  // namespace otc::padgen
