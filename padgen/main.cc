// padgen: generate a one-time pad and write it, with verification digests, to both
// users' drives (pair mode) or to plain files (raw mode). See job.h for what a run does
// and padgen --help for the options and exit codes.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <csignal>
#include <cstdio>
#include <iostream>
#include <optional>

#include "common/byte_size.h"
#include "common/cli/command_line.h"
#include "common/cli/exit_codes.h"
#include "padgen/job.h"

namespace {

std::atomic<bool> g_cancel{false};
std::atomic<bool> g_report_now{false};  // SIGUSR1: print a progress line, as dd does

extern "C" void OnReportSignal(int) { g_report_now.store(true); }

extern "C" void OnSignal(int sig) {
  g_cancel.store(true);
  std::signal(sig, SIG_DFL);  // a second Ctrl-C kills at once (still resumable)
}

constexpr const char* kExamples = R"(Examples:
  padgen --hrng /dev/hwrng --size 1T --user alice=/media/alice/otc --user bob=/media/bob/otc
  padgen --size 64G --user alice=/media/a/otc --user bob=/media/b/otc     (getrandom)
  padgen --size 4G --source file:/dev/shm/random.bin -o /mnt/x/pad -o /mnt/y/pad
  padgen --hrng /dev/ttyACM0 --assess --extract toeplitz --min-entropy 1.2 --mix --size 4G \
         --user alice=/media/alice/otc --user bob=/media/bob/otc   (a biased HRNG, extracted)
  padgen --resume ...same arguments...       (after Ctrl-C, a crash or a power loss)
  padgen --dry-run ...same arguments...      (how long, how much space, where; writes nothing)

Progress goes to stderr: a bar on a terminal, otherwise a line every 10 s and at each
whole percent; kill -USR1 PID prints a line at once (generation continues).)";

constexpr const char* kNotes = R"(The default source, getrandom, is the kernel
ChaCha20 CSPRNG: computationally secure only. Use --hrng for an information-theoretic pad,
with --extract toeplitz --min-entropy H: every output block is then within epsilon
(2^-64 by default) of uniform, provided the device really gives H bits/byte of
min-entropy (estimate it with otc-entropy or --assess, and stay below the estimate).
--mix XORs the result with getrandom: at least as good as the better of the two if they
are independent. A regular file (--source file:) is replayable: --resume skips the input
already used, and --assess reads its sample without consuming it; from a device or pipe
the --assess sample is read and discarded.)";

namespace cli = otc::cli;

bool g_json = false;  // --json: failures are JSON objects on stdout too

std::string Footer() {
  return std::string(kExamples) + "\n\n" + otc::kByteSizeHelp + "\n\n" + kNotes + "\n\n" +
         cli::ExitCodeTable(
             {{cli::kExitOk, "done"},
              {cli::kExitFailed, "failed during the run (the pad is resumable with --resume)"},
              {cli::kExitUsage, "bad arguments or setup; nothing was written"},
              {cli::kExitDamaged, "verification found a copy that differs from its manifest"},
              {cli::kExitInterrupted,
               "interrupted (resumable with --resume; a run stopped before any chunk was "
               "durable removes the files it created instead)"}});
}

int UsageError(const std::string& message) {
  return cli::ReportFailure("padgen", {cli::kExitUsage, message, "see padgen --help"}, g_json);
}

// What the command line says, before the sizes in it are parsed into JobOptions.
struct CommandLine {
  otc::padgen::JobOptions options;
  std::string size_text;
  std::string chunk_text = "4M";
  std::string window_text = "1G";
  std::string block_text = "64K";
  std::string sync_text;
  std::string assess_text = "1M";
  std::vector<std::string> users;
  bool no_verify = false;
  bool verify_flag = false;
  bool quiet = false;
  bool json = false;
  CLI::Option* min_entropy_opt = nullptr;
  CLI::Option* assess_bytes_opt = nullptr;
};

// What to generate, from where, to where, and how the run reports.
void AddRunOptions(CLI::App& app, CommandLine& c) {
  otc::padgen::JobOptions& o = c.options;
  app.add_option("--size", c.size_text, "Pad size, e.g. 64M, 1T (required)")->required();
  app.add_option("--hrng", o.hrngs,
                 "Hardware RNG to read (repeatable; read in parallel and concatenated): "
                 "/dev/hwrng, a USB serial HRNG such as /dev/ttyACM0, or a FIFO");
  app.add_option("--source", o.source,
                 "random (getrandom, the kernel CSPRNG; the default without --hrng), drbg "
                 "(OpenSSL's AES-256 CTR_DRBG seeded from getrandom: the same computational "
                 "guarantee at a fraction of the CPU) or file:PATH (a file or pipe)");
  app.add_option("--user", c.users,
                 "NAME=DIR: a user and their padstore directory (exactly two for a pair pad)");
  app.add_option("-o,--output", o.outputs,
                 "Raw mode: write a plain pad FILE with FILE.manifest beside it (repeatable)");
  app.add_option("--manifest-dir", o.manifest_dir,
                 "Raw mode: write the manifests here instead of beside each FILE (needed when "
                 "FILE is a block device)");
  app.add_option_function<std::string>(
         "--protocol", [&o](const std::string& name) { o.format = *otc::ParseFormat(name); },
         "Protocol of the registered contacts: otc2 or otc1")
      ->check(CLI::IsMember({"otc1", "otc2"}))
      ->default_str("otc2");
  app.add_flag("--force", o.force, "Overwrite an existing pad (or write to a block device)");
  app.add_flag("--resume", o.resume,
               "Continue an interrupted run (give the same arguments as the first time)");
  auto* no_verify_opt =
      app.add_flag("--no-verify", c.no_verify, "Skip reading every copy back after writing");
  app.add_flag("--verify", c.verify_flag,
               "Read every copy back and check it against its manifest (the default)")
      ->excludes(no_verify_opt);
  app.add_flag("-q,--quiet", c.quiet, "Print only errors");
  app.add_flag("--dry-run", o.dry_run,
               "Probe the source and print the expected duration, the space needed and the "
               "destinations, without writing anything");
  app.add_flag("--yes", o.yes, "Go ahead with a run expected to take more than 30 days");
  app.add_flag("--json", c.json, "Print a JSON summary on stdout at the end");
}

// Write, sync and HRNG health-test tuning.
void AddTuningOptions(CLI::App& app, CommandLine& c) {
  otc::padgen::JobOptions& o = c.options;
  app.add_option("--chunk-size", c.chunk_text, "Bytes per manifest digest and write")
      ->capture_default_str();
  app.add_option("--threads", o.threads, "random/drbg generator threads (default: one per CPU)");
  app.add_option("--queue-depth", o.queue_depth,
                 "Chunks in flight between source and disks (each a --chunk-size buffer)")
      ->capture_default_str();
  app.add_option("--sync-every", c.sync_text,
                 "Group commit: fdatasync each copy once this much written data is not yet "
                 "durable (default: every chunk, so a crash loses about one chunk of work; "
                 "raise it on disks whose cache flushes are slow)");
  c.min_entropy_opt =
      app.add_option("--min-entropy", o.health.min_entropy,
                     "Claimed min-entropy of the source, bits per byte (0, 8]: sets the HRNG "
                     "health-test cut-offs, and is H for --extract (required there)")
          ->capture_default_str();
  app.add_option("--health-alpha", o.health.alpha_exponent,
                 "Health-test false-alarm rate alpha = 2^-N per sample")
      ->capture_default_str();
  app.add_option("--max-health-failures", o.health.max_failures,
                 "Stop after this many health-test failures of one HRNG ...")
      ->capture_default_str();
  app.add_option("--health-failure-window", c.window_text, "... within this many of its bytes")
      ->capture_default_str();
  app.add_option("--hrng-block", c.block_text,
                 "HRNG read block: the unit that is health-tested and discarded on failure")
      ->capture_default_str();
}

// Assessing the source and extracting uniform output from it.
void AddExtractionOptions(CLI::App& app, CommandLine& c) {
  otc::padgen::JobOptions& o = c.options;
  app.add_option("--extract", o.extract,
                 "Randomness extractor to run on the source: toeplitz (the only one), with "
                 "--min-entropy H; output is epsilon-close to uniform if H is true");
  app.add_option("--epsilon", o.epsilon,
                 "Extractor error per output block, 2^-K or a number in (0, 1) (default 2^-64); "
                 "only with --extract");
  app.add_option("--extract-block-bits", o.extract_block_bits,
                 "Extractor input block, bits: a multiple of 64 up to 1048576 (larger blocks "
                 "lose less to epsilon at low H)")
      ->capture_default_str();
  app.add_flag("--mix", o.mix,
               "XOR the (extracted) source with getrandom output (not with the random or "
               "drbg sources)");
  app.add_flag("--assess", o.assess,
               "First print an entropy report on a sample of the source; warn if "
               "--min-entropy is above its estimate (with --extract, refuse to run then)");
  c.assess_bytes_opt = app.add_option("--assess-bytes", c.assess_text, "Sample size for --assess")
                           ->capture_default_str();
}

// Parses the sizes and users of the command line into c.options; on a bad one, reports it and
// returns the exit code.
std::optional<int> CompleteJobOptions(CommandLine& c) {
  otc::padgen::JobOptions& o = c.options;
  auto size = otc::ParseByteSize(c.size_text);
  if (!size.ok()) return UsageError("--size: " + size.status().message());
  o.size = *size;
  auto chunk = otc::ParseByteSize(c.chunk_text);
  if (!chunk.ok()) return UsageError("--chunk-size: " + chunk.status().message());
  o.chunk_size = *chunk;
  auto window = otc::ParseByteSize(c.window_text);
  if (!window.ok()) return UsageError("--health-failure-window: " + window.status().message());
  o.health.failure_window = *window;
  if (!c.sync_text.empty()) {
    auto sync_every = otc::ParseByteSize(c.sync_text);
    if (!sync_every.ok()) return UsageError("--sync-every: " + sync_every.status().message());
    o.sync_every = *sync_every;
  }
  auto block = otc::ParseByteSize(c.block_text);
  if (!block.ok()) return UsageError("--hrng-block: " + block.status().message());
  if (*block > (uint64_t{64} << 20)) return UsageError("--hrng-block must be at most 64M");
  o.hrng_block = static_cast<size_t>(*block);
  for (const std::string& u : c.users) {
    size_t eq = u.find('=');
    if (eq == std::string::npos) {
      return UsageError("--user '" + u + "' needs the form NAME=DIR, e.g. alice=/media/alice/otc");
    }
    o.users.push_back({u.substr(0, eq), u.substr(eq + 1)});
  }
  o.verify = !c.no_verify;
  o.min_entropy_given = c.min_entropy_opt->count() > 0;
  o.assess_bytes_given = c.assess_bytes_opt->count() > 0;
  auto assess_bytes = otc::ParseByteSize(c.assess_text);
  if (!assess_bytes.ok()) return UsageError("--assess-bytes: " + assess_bytes.status().message());
  o.assess_bytes = *assess_bytes;
  return std::nullopt;
}

int RunAndReport(const CommandLine& c) {
  otc::padgen::JobUi ui;
  ui.quiet = c.quiet;
  ui.progress = ::isatty(STDERR_FILENO) == 1;
  ui.report_now = &g_report_now;

  std::signal(SIGINT, OnSignal);
  std::signal(SIGTERM, OnSignal);
  std::signal(SIGUSR1, OnReportSignal);
  otc::padgen::JobOutcome out = otc::padgen::RunJob(c.options, ui, {}, g_cancel);
  if (!out.status.ok() && !c.json) {
    cli::ReportFailure("padgen", {out.exit_code, out.status.message(), ""}, false);
  }
  if (c.json) {
    if (!out.status.ok()) {  // the summary, with the error as every program reports it
      if (out.summary.contains("error")) {
        out.summary["error_category"] = out.summary["error"].value("category", "");
      }
      out.summary["error"] = std::string(cli::ExitCodeName(out.exit_code));
      out.summary["message"] = out.status.message();
    }
    std::cout << out.summary.dump(2) << std::endl;
  }
  return out.exit_code;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "padgen: generate a one-time pad from getrandom or hardware RNGs and write verified copies "
      "to both users' padstores (or to plain files)"};
  cli::ConfigureApp(app, "padgen", Footer());
  app.get_formatter()->column_width(34);

  CommandLine c;
  AddRunOptions(app, c);
  AddTuningOptions(app, c);
  AddExtractionOptions(app, c);

  if (std::optional<int> done = cli::ParseCommandLine(app, argc, argv)) return *done;
  g_json = c.json;
  if (std::optional<int> usage_error = CompleteJobOptions(c)) return *usage_error;
  return RunAndReport(c);
}
