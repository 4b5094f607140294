// The generate step of a padgen run (job_steps.h): drive the pipeline with progress.
#include <algorithm>
#include <chrono>
#include <filesystem>

#include "common/byte_size.h"
#include "common/encoding.h"
#include "padgen/job_steps.h"
#include "padgen/pipeline.h"
#include "padgen/progress.h"

namespace otc::padgen {
namespace {

using Clock = std::chrono::steady_clock;

uint64_t BytesRead(const std::vector<StreamStats>& stats) {
  uint64_t sum = 0;
  for (const StreamStats& s : stats) sum += s.bytes_read;
  return sum;
}

// Generation as seen from outside: bytes accepted from the source since it began (not
// counting the --assess sample or the rate probe), converted to pad bytes.
//
// The ETA is the remaining source input over the source's rate, the same formula as the
// first line's estimate (job_probe.cc). The rate is an average over the probe and the
// generation so far, weighting the probe by its duration: at the start it is exactly
// the probed rate, so the bar begins where the first line left off, and it then follows
// what the source really delivers.
class GenerationMeter {
 public:
  GenerationMeter(const JobContext& ctx, const PadSource& source, const ProbeResult& probe,
                  const PipelineProgress& progress)
      : o_(ctx.options),
        source_(source),
        probe_(probe),
        probe_seconds_(std::chrono::duration<double>(ctx.ui.measure_budget).count()),
        progress_(progress),
        start_(Clock::now()) {
    const std::vector<StreamStats> stats = source.Stats();
    for (const StreamStats& st : stats) baseline_.push_back(st.bytes_accepted);
    read_baseline_ = BytesRead(stats);
  }

  // Bytes stream i accepted since generation started.
  uint64_t AcceptedDuringGeneration(const std::vector<StreamStats>& stats, size_t i) const {
    const uint64_t before = i < baseline_.size() ? baseline_[i] : 0;
    return stats[i].bytes_accepted - std::min(before, stats[i].bytes_accepted);
  }

  double seconds() const { return std::chrono::duration<double>(Clock::now() - start_).count(); }

  ProgressSnapshot Look() const {
    const double seconds = this->seconds();
    const std::vector<StreamStats> stats = source_.Stats();
    uint64_t raw = 0;
    for (size_t i = 0; i < stats.size(); ++i) raw += AcceptedDuringGeneration(stats, i);
    const uint64_t needed = probe_.source_bytes_needed;
    const uint64_t start = probe_.start_bytes;
    // Source bytes -> pad bytes (an extractor takes more input than it gives output).
    const uint64_t produced = needed > 0
                                  ? static_cast<uint64_t>(static_cast<double>(raw) *
                                                          static_cast<double>(o_.size - start) /
                                                          static_cast<double>(needed))
                                  : raw;
    const uint64_t done = std::max<uint64_t>(progress_.durable_bytes.load(),
                                             std::min<uint64_t>(o_.size, start + produced));
    const double pad_rate = seconds > 0 ? static_cast<double>(done - start) / seconds : 0;
    ProgressSnapshot s;
    s.fraction = static_cast<double>(done) / static_cast<double>(o_.size);
    s.detail = FormatByteSize(done) + "/" + FormatByteSize(o_.size) + " " + FormatRate(pad_rate);
    if (stats.size() > 1) {
      s.detail += " (";
      for (size_t i = 0; i < stats.size(); ++i) {
        std::string name = std::filesystem::path(stats[i].name).filename().string();
        s.detail +=
            (i ? ", " : "") + name + " " +
            FormatRate(seconds > 0
                           ? static_cast<double>(AcceptedDuringGeneration(stats, i)) / seconds
                           : 0);
      }
      s.detail += ")";
    }
    const uint64_t read = BytesRead(stats) - std::min(read_baseline_, BytesRead(stats));
    const double source_rate =
        (probe_.rate * probe_seconds_ + static_cast<double>(read)) / (probe_seconds_ + seconds);
    if (source_rate > 0 && done < o_.size) {
      const uint64_t left = needed - std::min(needed, raw);
      s.detail += " ETA " + FormatDuration(static_cast<double>(left) / source_rate);
    }
    return s;
  }

  std::vector<SourceSummary> Sources(double seconds) const {
    std::vector<SourceSummary> out;
    const std::vector<StreamStats> stats = source_.Stats();
    for (size_t i = 0; i < stats.size(); ++i) {
      const uint64_t during = AcceptedDuringGeneration(stats, i);
      out.push_back({stats[i], stats[i].bytes_accepted - during,
                     seconds > 0 ? static_cast<double>(during) / seconds : 0.0});
    }
    return out;
  }

 private:
  const JobOptions& o_;
  const PadSource& source_;
  const ProbeResult& probe_;
  const double probe_seconds_;
  const PipelineProgress& progress_;
  const Clock::time_point start_;
  std::vector<uint64_t> baseline_;  // per stream: bytes accepted before generation
  uint64_t read_baseline_ = 0;      // bytes read from the source before generation
};

}  // namespace

std::unique_ptr<ProgressReporter> StartProgress(const JobContext& ctx, const std::string& what,
                                                std::function<ProgressSnapshot()> look) {
  if (ctx.ui.quiet) return nullptr;
  ProgressStyle style;
  style.terminal = ctx.ui.progress;
  style.what = what;
  style.interval = ctx.ui.progress_interval;
  style.report_now = ctx.ui.report_now;
  return std::make_unique<ProgressReporter>(ctx.ui.err, std::move(style), std::move(look));
}

StepFailure Generate(const JobContext& ctx, JobPlan& plan, const ProbeResult& probe,
                     GenerationSummary& g) {
  const JobOptions& o = ctx.options;
  PadSource& source = *plan.chain.source;
  std::vector<PipelineTarget> pts;
  for (Target& t : plan.targets) pts.push_back({t.destination.get(), t.writer.get()});
  PipelineConfig pc;
  pc.pad_size = o.size;
  pc.chunk_size = o.chunk_size;
  pc.start_chunk = plan.resume_chunk;
  pc.queue_depth = o.queue_depth;
  pc.sync_bytes = o.sync_every;
  PipelineProgress progress;
  GenerationMeter meter(ctx, source, probe, progress);
  std::unique_ptr<ProgressReporter> reporter =
      StartProgress(ctx, "generating", [&meter] { return meter.Look(); });
  Result<PipelineResult> r = RunPipeline(pc, source, plan.chain.transforms, ctx.hooks.observer, pts,
                                         &progress, ctx.cancel);
  if (reporter) reporter->Stop();
  source.Stop();
  const double seconds = meter.seconds();
  g.generate_seconds = seconds;
  g.sources = meter.Sources(seconds);
  uint64_t durable = plan.chunk_count;
  for (const Target& t : plan.targets) durable = std::min(durable, t.writer->chunks_written());
  g.chunks_durable = durable;
  const std::string safe = std::to_string(durable) + " of " + std::to_string(plan.chunk_count) +
                           " chunks are durable on every copy";
  const bool stopped = !r.ok() || r->cancelled || !r->complete;
  if (stopped && durable == 0) {
    // Nothing durable: remove what this run created instead of leaving an empty
    // preallocated pad (and a manifest without chunks) behind. A resumed pad's files
    // were not created by this run and stay.
    plan.RemoveCreated(ctx.env);
  }
  if (!r.ok()) {
    if (durable == 0) return {kExitFailed, r.status().WithContext("no pad was written")};
    return {kExitFailed, r.status().WithContext(safe + "; " + ResumeAdvice())};
  }
  if (stopped) {
    if (durable == 0 && plan.resume_chunk == 0) {
      return {kExitInterrupted,
              Status::Failed("interrupted before any chunk was durable; removed the files "
                             "this run created (run the same command again to start over)")};
    }
    return {kExitInterrupted, Status::Failed("interrupted: " + safe + "; " + ResumeAdvice())};
  }
  g.pad_id = HexEncode(r->pad_id);
  g.rate = seconds > 0 ? static_cast<double>(o.size - probe.start_bytes) / seconds : 0.0;
  return {};
}

}  // namespace otc::padgen
