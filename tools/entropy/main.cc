// otc-entropy: entropy report on a sample of a randomness source or a file.
//
//   otc-entropy FILE|DEV|- [--bytes N] [--json] [--min-entropy H]
//
// Reads a whole regular file, or 1 MiB from a device, pipe or stdin ("-"), unless --bytes
// says otherwise, and prints the ent statistics and SP 800-90B min-entropy estimates (see
// padgen/randomness/entropy_estimate.h), with the minimum as the suggested padgen --min-entropy.
//
// Exit codes (common/cli/exit_codes.h): 0 report printed; 1 the input could not be read
// or was empty; 2 usage error; 16 --min-entropy was given and is above the estimate (the
// report is still printed).
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <string>
#include <vector>

#include "common/byte_size.h"
#include "common/cli/command_line.h"
#include "common/cli/exit_codes.h"
#include "padgen/randomness/entropy_estimate.h"

namespace {

constexpr uint64_t kDefaultDeviceSample = uint64_t{1} << 20;
constexpr uint64_t kProgressThreshold = uint64_t{64} << 20;

namespace cli = otc::cli;

bool g_json = false;  // --json: failures are JSON objects on stdout too

int Fail(const std::string& what, const std::string& fix = "", int exit_code = cli::kExitFailed) {
  return cli::ReportFailure("otc-entropy", {exit_code, what, fix}, g_json);
}

class Progress {
 public:
  explicit Progress(uint64_t total)
      : enabled_(isatty(STDERR_FILENO) && total >= kProgressThreshold),
        total_(total),
        start_(std::chrono::steady_clock::now()),
        last_(start_) {}
  void Update(uint64_t done) {
    if (!enabled_) return;
    auto now = std::chrono::steady_clock::now();
    if (now - last_ < std::chrono::milliseconds(500)) return;
    last_ = now;
    double secs = std::chrono::duration<double>(now - start_).count();
    double rate = secs > 0 ? done / secs : 0;
    double eta = rate > 0 ? (total_ - done) / rate : 0;
    std::fprintf(stderr, "\r%s / %s  %.1f MB/s  ETA %.0f s   ", otc::FormatByteSize(done).c_str(),
                 otc::FormatByteSize(total_).c_str(), rate / 1e6, eta);
  }
  void Done() {
    if (enabled_) std::fprintf(stderr, "\r%60s\r", "");
  }

 private:
  bool enabled_;
  uint64_t total_;
  std::chrono::steady_clock::time_point start_, last_;
};

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "otc-entropy: entropy report on a sample of a randomness source: ent statistics and SP "
      "800-90B min-entropy estimates, with a suggested padgen --min-entropy."};
  cli::ConfigureApp(app, "otc-entropy",
                    cli::ExitCodeTable({{cli::kExitOk, "the report was printed"},
                                        {cli::kExitFailed, "the input is unreadable or empty"},
                                        {cli::kExitUsage},
                                        {cli::kExitEntropyLow,
                                         "--min-entropy is above the estimate (the report "
                                         "is still printed)"}}));
  std::string input;
  std::string bytes_text;
  bool json = false;
  double min_entropy = -1;
  app.add_option("input", input, "file, device (e.g. /dev/hwrng) or - for stdin")->required();
  app.add_option("--bytes", bytes_text,
                 "sample size, e.g. 1M or 64M (default: whole file, or 1M from a device)");
  app.add_flag("--json", json, "print the report as one JSON object");
  app.add_option("--min-entropy", min_entropy,
                 "the --min-entropy you plan to give padgen; exit 16 if above the estimate")
      ->check(CLI::Range(0.0, 8.0));
  if (std::optional<int> done = cli::ParseCommandLine(app, argc, argv)) return *done;
  g_json = json;

  uint64_t limit = 0;
  bool limit_given = false;
  if (!bytes_text.empty()) {
    otc::Result<uint64_t> parsed = otc::ParseByteSize(bytes_text);
    if (!parsed.ok()) {
      return Fail("--bytes: " + parsed.status().message(), "give a size such as 1M or 64M",
                  cli::kExitUsage);
    }
    limit = *parsed;
    limit_given = true;
  }

  int fd = STDIN_FILENO;
  if (input != "-") {
    fd = open(input.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      return Fail(input + ": " + std::strerror(errno), "check the path and permissions");
    }
  }
  struct stat st {};
  if (fstat(fd, &st) != 0) return Fail(input + ": " + std::strerror(errno));
  const bool regular = S_ISREG(st.st_mode);
  if (!limit_given) limit = regular ? static_cast<uint64_t>(st.st_size) : kDefaultDeviceSample;
  if (regular && limit > static_cast<uint64_t>(st.st_size)) limit = st.st_size;

  otc::padgen::EntropyAccumulator acc;
  std::vector<uint8_t> buf(1 << 20);
  Progress progress(limit);
  while (acc.bytes() < limit) {
    size_t want = static_cast<size_t>(std::min<uint64_t>(buf.size(), limit - acc.bytes()));
    ssize_t n = read(fd, buf.data(), want);
    if (n < 0) {
      if (errno == EINTR) continue;
      return Fail(input + ": read failed: " + std::strerror(errno));
    }
    if (n == 0) break;
    acc.Add({buf.data(), static_cast<size_t>(n)});
    progress.Update(acc.bytes());
  }
  progress.Done();
  if (fd != STDIN_FILENO) close(fd);
  if (acc.bytes() == 0) {
    return Fail(input + ": the sample is empty", "give a file, device or pipe with data in it");
  }
  if (!regular && acc.bytes() < limit) {
    std::fprintf(stderr, "otc-entropy: %s: end of input after %llu of %llu bytes\n", input.c_str(),
                 static_cast<unsigned long long>(acc.bytes()),
                 static_cast<unsigned long long>(limit));
  }

  otc::padgen::EntropyReport report = acc.Finish();
  if (json) {
    std::cout << otc::padgen::EntropyReportJson(report) << "\n";
  } else {
    std::cout << otc::padgen::FormatEntropyReport(report);
  }
  if (min_entropy >= 0) {
    if (auto warning = otc::padgen::MinEntropyWarning(min_entropy, report)) {
      std::fprintf(stderr, "otc-entropy: %s\n", warning->c_str());
      return cli::kExitEntropyLow;
    }
  }
  return cli::kExitOk;
}
