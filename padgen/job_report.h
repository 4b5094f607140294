// What a padgen run found, and the two ways it is shown: the closing "done: ..." line on
// stderr and the `--json` summary on stdout. Both are rendered from one JobResult, so
// they cannot disagree. A field the run never reached (it stopped earlier) is absent
// from the JSON rather than zero.
//
// The --json document (keys in any order):
//   ok, exit_code, error {category, message}    always (error only on failure)
//   size, chunk_size, chunks                    always
//   extraction {method, block_bits, output_bits, min_entropy, epsilon_log2}, mix, guarantee
//   destinations [{label, pad, manifest, direct_io, [user, peer, store, direction]}],
//   resumed_from_chunk                          once every copy is set up
//   assessment                                  with --assess (entropy_estimate.h's report)
//   source_bytes_skipped, source_bytes_needed, measured_source_rate,
//   generate_seconds, sources [...], chunks_durable, pad_id, rate_bytes_per_second
//   verified, verify_seconds, registered [...], duration_seconds
//   dry_run (true only with --dry-run), space [{dir, need, free, known, labels}],
//   expected_seconds                            with --dry-run
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/status.h"
#include "padgen/health_test.h"
#include "padgen/source.h"
#include "padgen/store_registrar.h"

namespace otc::padgen {

// Why a step stopped the run; exit_code 0 means it did not.
struct StepFailure {
  int exit_code = 0;
  Status status;
  bool failed() const { return exit_code != 0; }
};

struct ExtractionSummary {
  uint32_t block_bits = 0;
  uint32_t output_bits = 0;
  double min_entropy = 0;
  double epsilon_log2 = 0;
};

// The space the copies on one file system still need.
struct SpaceNeed {
  std::string dir;  // an existing directory on it
  std::vector<std::string> labels;
  uint64_t need = 0;
  uint64_t free = 0;
  bool known = true;  // the file system reports its free space
};

struct DestinationSummary {
  DestinationSpec spec;
  std::optional<bool> direct_io;  // unknown until the file is opened (not on --dry-run)
  std::string user, peer, store;  // pair mode
  Direction direction = Direction::kUp;
};

// One source stream after generation.
struct SourceSummary {
  StreamStats stats;
  uint64_t accepted_before_generation = 0;  // --assess sample and rate probe
  double rate = 0;                          // accepted bytes per second during generation
};

struct GenerationSummary {
  std::optional<nlohmann::json> assessment;
  std::optional<uint64_t> source_bytes_skipped;
  std::optional<uint64_t> source_bytes_needed;
  std::optional<double> measured_source_rate;
  std::optional<double> generate_seconds;
  std::optional<std::vector<SourceSummary>> sources;
  std::optional<uint64_t> chunks_durable;
  std::optional<std::string> pad_id;  // hex
  std::optional<double> rate;         // pad bytes per second written this run
};

struct JobResult {
  int exit_code = 0;
  Status status;
  uint64_t size = 0;
  uint64_t chunk_size = 0;
  uint64_t chunks = 0;
  HealthTestConfig health;  // the cut-off parameters, shown with health-tested sources

  std::optional<ExtractionSummary> extraction;
  std::optional<bool> mix;
  std::optional<std::string> guarantee;
  std::optional<std::vector<DestinationSummary>> destinations;
  std::optional<uint64_t> resumed_from_chunk;
  bool already_complete = false;
  GenerationSummary generation;
  std::optional<bool> verified;
  std::optional<double> verify_seconds;
  bool verify_requested = true;
  std::optional<std::vector<ContactRegistration>> registered;
  std::optional<double> duration_seconds;
  bool dry_run = false;
  std::optional<std::vector<SpaceNeed>> space;  // --dry-run
  std::optional<double> expected_seconds;       // --dry-run; absent when unknown
};

// The --json document.
nlohmann::json SummaryJson(const JobResult& result);
// What --dry-run says after the first line: space and destinations.
std::vector<std::string> DryRunLines(const JobResult& result);
// "done: 1.00 GiB pad written to 2 destinations in 40 s (25.6 MiB/s), verified; pad id ..."
std::string DoneLine(const JobResult& result);

}  // namespace otc::padgen
