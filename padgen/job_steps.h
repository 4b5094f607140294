// The steps of a padgen run (job.h): plan, generate, verify, register. Each step takes
// what the earlier ones decided and returns what it found; RunJob (job.cc) strings them
// together and job_report.h renders the result for a person and for --json.
//
// Internal to otc_padgen: the command-line tool and the tests use job.h.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/env.h"
#include "common/status.h"
#include "padgen/destination.h"
#include "padgen/file_source.h"
#include "padgen/job.h"
#include "padgen/job_report.h"
#include "padgen/progress.h"
#include "padgen/source.h"
#include "padgen/store_registrar.h"
#include "padgen/transform.h"
#include "padstore/manifest.h"

namespace otc::padgen {

// What every step needs: the options, where messages go, the test seams and the Env.
struct JobContext {
  const JobOptions& options;
  const JobUi& ui;
  const JobHooks& hooks;
  const std::atomic<bool>& cancel;
  Env& env;

  // One "padgen: ..." line on the UI's stream (not with --quiet).
  void Say(const std::string& line) const;
};

// One copy of the pad: where it goes and, once set up, its open file and manifest.
struct Target {
  DestinationSpec spec;
  std::string user;  // pair mode
  std::string peer;  // pair mode
  std::string store;
  uint32_t pad_generation = 0;  // pair mode: which of the contact's pads this is
  Direction direction = Direction::kUp;
  DestinationCheck check;
  std::optional<padstore::Manifest> manifest;  // existing one (resume)
  std::unique_ptr<Destination> destination;
  std::unique_ptr<padstore::ManifestWriter> writer;
  bool created_manifest = false;
};

// The source and what is done to its bytes before they become pad.
struct SourceChain {
  std::unique_ptr<PadSource> source;
  FileSource* file_source = nullptr;  // `source` when it is a file: source
  std::vector<std::unique_ptr<Transform>> own_transforms;
  std::vector<Transform*> transforms;  // the test's, or own_transforms
  std::string processing;              // ", then Toeplitz extraction (...)" etc.
  std::string guarantee;               // what the pad's randomness rests on
  std::optional<ExtractionSummary> extraction;
};

// Everything decided before the first pad byte is generated.
struct JobPlan {
  OpenMode mode = OpenMode::kCreate;
  uint64_t chunk_count = 0;
  uint64_t resume_chunk = 0;      // first chunk this run writes
  bool already_complete = false;  // --resume of a pad that is already complete
  std::unique_ptr<StoreRegistrar> own_registrar;
  StoreRegistrar* registrar = nullptr;  // pair mode only
  std::vector<Target> targets;
  SourceChain chain;
  std::vector<uint8_t> extension;  // the manifests' extension (manifest_extension.h)

  // Raw source bytes needed for chunks [from_chunk, chunk_count).
  uint64_t SourceBytes(const JobOptions& o, uint64_t from_chunk) const;
  // "alice (/media/a) and bob (/media/b)", or the -o paths.
  std::string Recipients() const;
  // Removes what this run created (pad files, manifests, directories) after a failure
  // that left nothing durable.
  void RemoveCreated(Env& env);
};

// --- plan (job_plan.cc, job_transforms.cc, job_preflight.cc) ---

// The targets named by the options (pair or raw mode), checked for duplicates.
Result<std::vector<Target>> PlanTargets(const JobOptions& o, StoreRegistrar* registrar);
// The transforms (--extract, --mix, or the test's) and what they guarantee; no source yet.
Result<SourceChain> BuildTransforms(const JobContext& ctx);
// The source named by the options (or the test's); `file_source` is set for file: sources.
Result<std::unique_ptr<PadSource>> MakeSource(const JobContext& ctx, FileSource** file_source);
// The manifest extension recording the source and its post-processing.
Result<std::vector<uint8_t>> BuildExtension(const SourceChain& chain);
// On --resume: gives every transform its parameters back from the manifests and checks
// that the post-processing recorded there is what this run would do.
Status RestoreTransforms(const std::vector<Target>& targets, const SourceChain& chain);
// Looks at every destination and, on --resume, at its manifest; sets resume_chunk and
// already_complete. Nothing is created.
Status Preflight(const JobContext& ctx, JobPlan& plan, uint64_t header_size);
// Free space per file system against what the copies on it still need (block devices:
// their size against the pad). NoSpace names the file system and the fix.
Result<std::vector<SpaceNeed>> CheckSpace(const JobContext& ctx, const JobPlan& plan);
// Creates (or reopens) every pad file and manifest.
Status SetUp(const JobContext& ctx, JobPlan& plan);
// The plan from the options: targets, source chain, resume point, manifest extension.
// Creates nothing (SetUp does). On failure `plan` holds what was decided so far.
Status PlanJob(const JobContext& ctx, JobPlan& plan);

// --- probe and generate (job_probe.cc, job_generate.cc) ---

struct ProbeResult {
  StepFailure failure;
  uint64_t start_bytes = 0;          // pad bytes durable before this run (--resume)
  uint64_t source_bytes_needed = 0;  // raw source bytes this run takes
  double rate = 0;                   // measured source rate, bytes per second
};
// Starts the source, skips input already used (--resume), assesses it (--assess),
// measures its rate and prints the first line with the expected duration. Fills the
// generation summary's source fields. Not called for a pad that is already complete.
ProbeResult ProbeSource(const JobContext& ctx, JobPlan& plan, GenerationSummary& summary);
// Seconds the run is expected to take at the probed rate; negative when unknown.
double ExpectedSeconds(const ProbeResult& probe);
// The probed run would take longer than options.confirm_above_seconds and --yes was not
// given: says so with the figure and how to go ahead.
Status CheckDuration(const JobOptions& o, const ProbeResult& probe);

// Runs the pipeline from plan.resume_chunk with progress and stops the source. Needs
// SetUp. A run that fails or is interrupted before any chunk is durable removes what it
// created.
StepFailure Generate(const JobContext& ctx, JobPlan& plan, const ProbeResult& probe,
                     GenerationSummary& summary);

// --- verify and register (job_verify.cc, job_register.cc) ---

struct VerifyResult {
  StepFailure failure;
  bool verified = false;
  double seconds = 0;
};
VerifyResult VerifyCopies(const JobContext& ctx, const JobPlan& plan);

struct RegisterResult {
  StepFailure failure;
  std::vector<ContactRegistration> registered;
};
// Pair mode: registers the contact in both stores; raw mode: nothing.
RegisterResult RegisterContacts(const JobContext& ctx, const JobPlan& plan);

std::string ResumeAdvice();

// Progress for long work (progress.h) in the style the UI asks for; null with --quiet.
std::unique_ptr<ProgressReporter> StartProgress(const JobContext& ctx, const std::string& what,
                                                std::function<ProgressSnapshot()> look);

}  // namespace otc::padgen
