// A padgen run from start to finish: the library behind the `padgen` command.
//
//   1. check the options (two users or raw files, no duplicate paths, valid sizes);
//   2. open the source (a missing HRNG is reported before anything is created);
//   3. look at every destination: existing pads (--force / --resume), writability;
//   4. (after step 5) check free space per file system (all copies on one file system are
//      added up), then create the pad files (0600, preallocated, O_DIRECT where possible) and their
//      manifests, or reopen them and truncate the manifests to the chunks durable on
//      every copy (--resume); on any failure here, remove what this run created;
//   5. start the source; with --assess, print an entropy report on a sample of it (and
//      refuse to run with --extract when --min-entropy is above the estimate); print the
//      first line (source, extraction/mixing, size, expected duration at the measured
//      rate, counting the extractor's input:output ratio). A run expected to take more
//      than 30 days stops here unless --yes; --dry-run stops here after the free-space
//      check and a list of the destinations, having written nothing;
//   6. run the pipeline (pipeline.h) with progress (progress.h); a run interrupted before
//      any chunk was durable removes the files it created;
//   7. read every copy back and check it against its manifest (--verify, default);
//   8. in pair mode, register the contact in both stores (store_registrar.h);
//   9. report (one line, or the --json summary).
//
// Errors come back as a JobOutcome with the exit code the CLI returns:
//   0 done; 1 failed during the run (I/O error, source failure, health-test abort: the
//   pad is resumable with --resume); 2 bad arguments or setup (nothing was written);
//   14 verification found a copy that differs from its manifest; 130 interrupted
//   (resumable). The numbers are every otc program's (common/cli/exit_codes.h).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/cli/exit_codes.h"
#include "common/env.h"
#include "common/status.h"
#include "padgen/destination.h"
#include "padgen/health_test.h"
#include "padgen/randomness/toeplitz.h"
#include "padgen/source.h"
#include "padgen/store_registrar.h"
#include "padgen/transform.h"

namespace otc::padgen {

inline constexpr int kExitOk = cli::kExitOk;
inline constexpr int kExitFailed = cli::kExitFailed;
inline constexpr int kExitUsage = cli::kExitUsage;
inline constexpr int kExitVerifyFailed = cli::kExitDamaged;
inline constexpr int kExitInterrupted = cli::kExitInterrupted;

struct UserDestination {
  std::string name;  // the user who will hold this copy ("alice")
  std::string dir;   // that user's padstore directory
};

struct JobOptions {
  uint64_t size = 0;
  uint64_t chunk_size = uint64_t{4} << 20;
  std::vector<std::string> hrngs;      // --hrng DEV (repeatable)
  std::string source;                  // --source: "" (default), "random", "drbg", "file:PATH"
  std::vector<UserDestination> users;  // pair mode: exactly two
  std::vector<std::string> outputs;    // raw mode: -o FILE (repeatable)
  std::string manifest_dir;            // raw mode: manifests go here instead of beside each FILE
  Format format = Format::kOtc2;       // --protocol
  bool force = false;
  bool resume = false;
  bool verify = true;
  size_t threads = 0;  // getrandom threads (0: one per CPU)
  // Chunks in flight (buffers of chunk_size each: 128 MiB at the defaults). 32 is what it
  // takes to keep a virtio disk busy with 4 MiB writes (docs/BENCHMARKS.md, "padgen").
  size_t queue_depth = 32;
  uint64_t sync_every = 0;  // group-commit size (pipeline.h); 0: sync after every chunk
  size_t hrng_block = 64 << 10;
  HealthTestConfig health;         // health.min_entropy is --min-entropy, also H for --extract
  bool min_entropy_given = false;  // --min-entropy was given (required with --extract)

  // Randomness assurance (docs/SECURITY.md "Extraction and mixing"). Only for
  // --hrng and file: sources: the getrandom source is rejected with --extract and --mix.
  std::string extract;                              // --extract: "" (off) or "toeplitz"
  std::string epsilon;                              // --epsilon: "" (2^-64), "2^-K" or "1e-20"
  uint32_t extract_block_bits = kDefaultBlockBits;  // --extract-block-bits: n
  bool mix = false;                                 // --mix: XOR with getrandom, after extraction
  bool assess = false;                              // --assess: entropy report on a sample first
  uint64_t assess_bytes = uint64_t{1} << 20;        // --assess-bytes
  bool assess_bytes_given = false;

  bool dry_run = false;  // --dry-run: probe the source, report, write nothing
  bool yes = false;      // --yes: go ahead with a run expected to take very long
  // Above this expected duration a run needs --yes.
  double confirm_above_seconds = 30.0 * 86400;
};

// Where output goes and how it looks.
struct JobUi {
  FILE* err = stderr;
  bool quiet = false;     // only errors
  bool progress = false;  // stderr is a terminal: redraw a bar (otherwise print lines)
  std::chrono::milliseconds measure_budget{1000};  // how long to measure the source rate
  // Without a terminal: a progress line at least this often (and at each whole percent).
  std::chrono::milliseconds progress_interval{10000};
  // Set by the CLI's SIGUSR1 handler: print a progress line at once (progress.h).
  std::atomic<bool>* report_now = nullptr;
};

// Test seams; production leaves them empty.
struct JobHooks {
  Env* env = nullptr;  // pad data, manifests and stores (default Env::Default())
  // Replaces the source built from the options (tests: scripted streams).
  std::function<Result<std::unique_ptr<PadSource>>()> make_source;
  // Replaces the transforms built from the options (--extract, --mix) when not empty.
  std::vector<Transform*> transforms;
  RawObserver observer;                 // sees raw source chunks (--assess plugs in here)
  StoreRegistrar* registrar = nullptr;  // default: the padstore one
  // Called after the pipeline and before verification (tests corrupt a copy here).
  std::function<void()> after_write;
};

struct JobOutcome {
  int exit_code = kExitOk;
  Status status;           // why, when exit_code != 0
  nlohmann::json summary;  // the --json document (also on failure)
};

// Validates options without touching the file system (exit code 2 on error).
Status ValidateJobOptions(const JobOptions& options);

JobOutcome RunJob(const JobOptions& options, const JobUi& ui, const JobHooks& hooks,
                  const std::atomic<bool>& cancel);

}  // namespace otc::padgen
