// The probe step of a padgen run (job_steps.h): start the source, skip what --resume
// already used, assess it (--assess), measure its rate, and say how long the run will take.
#include <algorithm>

#include "common/byte_size.h"
#include "padgen/assess.h"
#include "padgen/job_steps.h"
#include "padgen/progress.h"
#include "padgen/randomness/entropy_estimate.h"

namespace otc::padgen {
namespace {

// --assess: an entropy report on a sample of the source. The report is returned even
// when the verdict is an error (an overstated --min-entropy with --extract).
Status Assess(const JobContext& ctx, const SourceChain& chain, uint64_t file_offset,
              std::optional<nlohmann::json>* report) {
  const JobOptions& o = ctx.options;
  const bool replay = chain.file_source != nullptr && chain.file_source->Replayable();
  Result<EntropyReport> r = replay
                                ? AssessFileSample(o.source.substr(5), file_offset, o.assess_bytes)
                                : AssessSourceSample(*chain.source, o.assess_bytes);
  if (!r.ok()) return r.status();
  nlohmann::json a = nlohmann::json::parse(EntropyReportJson(*r));
  a["sample_consumed"] = !replay;
  if (!ctx.ui.quiet) {
    std::fprintf(
        ctx.ui.err, "padgen: entropy report on %s of %s (%s):\n%s",
        FormatByteSize(r->bytes).c_str(), chain.source->Describe().c_str(),
        replay ? "the file's next bytes, not consumed" : "read from the source and discarded",
        FormatEntropyReport(*r).c_str());
  }
  Status out = Status::Ok();
  if (o.min_entropy_given) {
    if (std::optional<std::string> w = MinEntropyWarning(o.health.min_entropy, *r)) {
      a["warning"] = *w;
      if (!o.extract.empty()) {
        out = Status::InvalidArgument(
            *w +
            ": with --extract an overstated --min-entropy voids the extractor's guarantee, "
            "so padgen stops (nothing was generated)");
      } else {
        ctx.Say("warning: " + *w);
      }
    }
  }
  *report = std::move(a);
  return out;
}

// "1.00 GiB pad from getrandom (source measured ...) for a and b: expected to take ..."
std::string FirstLine(const JobContext& ctx, const JobPlan& plan, const ProbeResult& probe) {
  const JobOptions& o = ctx.options;
  const double rate = probe.rate;
  const uint64_t source_bytes_needed = probe.source_bytes_needed;
  const uint64_t start_bytes = probe.start_bytes;
  std::string line = FormatByteSize(o.size) + " pad from " + plan.chain.source->Describe() +
                     plan.chain.processing + " (source measured " + FormatRate(rate);
  if (source_bytes_needed != o.size - start_bytes) {
    line += "; " + FormatByteSize(source_bytes_needed) + " of input needed";
  }
  line += ") for " + plan.Recipients();
  if (plan.resume_chunk > 0) {
    line += ", resuming after " + FormatByteSize(start_bytes) + " (chunk " +
            std::to_string(plan.resume_chunk) + " of " + std::to_string(plan.chunk_count) + ")";
  }
  const double seconds = ExpectedSeconds(probe);
  line += ": expected to take " +
          (seconds >= 0 ? "about " + FormatDuration(seconds) : std::string("an unknown time")) +
          " at that rate";
  return line;
}

// Skips the input that the durable chunks already used (a replayable file: source on
// --resume), so that no source byte goes into the pad twice.
Result<uint64_t> SkipUsedInput(const JobContext& ctx, const JobPlan& plan) {
  FileSource* file = plan.chain.file_source;
  if (plan.resume_chunk == 0 || file == nullptr || !file->Replayable()) return uint64_t{0};
  const uint64_t skipped =
      plan.SourceBytes(ctx.options, 0) - plan.SourceBytes(ctx.options, plan.resume_chunk);
  Status s = file->Skip(skipped);
  if (!s.ok()) return s;
  ctx.Say("skipped the first " + FormatByteSize(skipped) + " of " + file->Describe() +
          ", used by the chunks already written");
  return skipped;
}

}  // namespace

double ExpectedSeconds(const ProbeResult& probe) {
  return probe.rate > 0 ? static_cast<double>(probe.source_bytes_needed) / probe.rate : -1;
}

Status CheckDuration(const JobOptions& o, const ProbeResult& probe) {
  const double seconds = ExpectedSeconds(probe);
  if (o.yes || seconds <= o.confirm_above_seconds) return Status::Ok();
  return Status::InvalidArgument(
      "at the measured " + FormatRate(probe.rate) + ", " + FormatByteSize(o.size) +
      " of pad would take about " + FormatDuration(seconds) + " (more than " +
      FormatDuration(o.confirm_above_seconds) +
      "); give --yes to go ahead anyway, or choose a smaller --size or a faster source "
      "(nothing was written)");
}

ProbeResult ProbeSource(const JobContext& ctx, JobPlan& plan, GenerationSummary& g) {
  const JobOptions& o = ctx.options;
  ProbeResult out;
  PadSource& source = *plan.chain.source;
  Status s = source.Start();
  if (!s.ok()) {
    out.failure = {kExitUsage, s};
    return out;
  }
  out.start_bytes = std::min(o.size, plan.resume_chunk * o.chunk_size);
  out.source_bytes_needed = plan.SourceBytes(o, plan.resume_chunk);
  Result<uint64_t> skipped = SkipUsedInput(ctx, plan);
  if (!skipped.ok()) {
    source.Stop();
    out.failure = {kExitFailed, skipped.status().WithContext(ResumeAdvice())};
    return out;
  }
  g.source_bytes_skipped = *skipped;
  if (o.assess) {
    s = Assess(ctx, plan.chain, *skipped, &g.assessment);
    if (!s.ok()) {
      source.Stop();
      out.failure = {kExitUsage, s};
      return out;
    }
  }
  g.source_bytes_needed = out.source_bytes_needed;
  out.rate = source.MeasureRate(ctx.ui.measure_budget);
  g.measured_source_rate = out.rate;
  ctx.Say(FirstLine(ctx, plan, out));
  if (!plan.chain.own_transforms.empty()) ctx.Say("guarantee: " + plan.chain.guarantee);
  return out;
}

}  // namespace otc::padgen
