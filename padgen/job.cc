// RunJob: plan, probe, set up, generate, verify, register, report (job.h, job_steps.h).
#include "padgen/job.h"

#include <chrono>

#include "common/encoding.h"
#include "padgen/job_report.h"
#include "padgen/job_steps.h"

namespace otc::padgen {
namespace {

using Clock = std::chrono::steady_clock;

JobOutcome Finish(const JobContext& ctx, JobResult& result, int exit_code, Status status) {
  result.exit_code = exit_code;
  result.status = std::move(status);
  JobOutcome out;
  out.exit_code = result.exit_code;
  out.status = result.status;
  out.summary = SummaryJson(result);
  if (exit_code == kExitOk && !result.dry_run) ctx.Say(DoneLine(result));
  return out;
}

std::vector<DestinationSummary> Destinations(const JobPlan& plan) {
  std::vector<DestinationSummary> dests;
  for (const Target& t : plan.targets) {
    DestinationSummary d{t.spec, std::nullopt, t.user, t.peer, t.store, t.direction};
    if (t.destination) d.direct_io = t.destination->direct();
    dests.push_back(std::move(d));
  }
  return dests;
}

// Stops the source, if the probe started it, on a path that does not reach Generate.
void StopSource(JobPlan& plan) {
  if (plan.chain.source) plan.chain.source->Stop();
}

}  // namespace

JobOutcome RunJob(const JobOptions& options, const JobUi& ui, const JobHooks& hooks,
                  const std::atomic<bool>& cancel) {
  const auto job_start = Clock::now();
  JobContext ctx{options, ui, hooks, cancel, hooks.env != nullptr ? *hooks.env : *Env::Default()};
  JobResult result;
  result.size = options.size;
  result.chunk_size = options.chunk_size;
  result.health = options.health;
  result.verify_requested = options.verify;
  result.dry_run = options.dry_run;
  Status s = ValidateJobOptions(options);
  if (!s.ok()) return Finish(ctx, result, kExitUsage, s);
  result.chunks = (options.size + options.chunk_size - 1) / options.chunk_size;

  JobPlan plan;
  s = PlanJob(ctx, plan);
  if (!plan.chain.guarantee.empty() && hooks.transforms.empty()) {
    result.extraction = plan.chain.extraction;
    result.mix = options.mix;
    result.guarantee = plan.chain.guarantee;
  }
  if (!s.ok()) return Finish(ctx, result, kExitUsage, s);
  result.already_complete = plan.already_complete;

  // The source first: a run that would take months says so before anything else.
  ProbeResult probe;
  if (!plan.already_complete) {
    probe = ProbeSource(ctx, plan, result.generation);
    if (probe.failure.failed()) {
      return Finish(ctx, result, probe.failure.exit_code, probe.failure.status);
    }
    if (ExpectedSeconds(probe) >= 0) result.expected_seconds = ExpectedSeconds(probe);
    if (!options.dry_run) s = CheckDuration(options, probe);
  }
  Result<std::vector<SpaceNeed>> space = Status::Ok();
  if (s.ok()) space = CheckSpace(ctx, plan);
  if (s.ok()) s = space.status();
  if (s.ok() && options.dry_run) {
    StopSource(plan);
    result.space = std::move(*space);
    result.destinations = Destinations(plan);
    if (!options.yes && ExpectedSeconds(probe) > options.confirm_above_seconds) {
      ctx.Say("this run would need --yes: it is expected to take more than " +
              FormatDuration(options.confirm_above_seconds));
    }
    for (const std::string& line : DryRunLines(result)) ctx.Say(line);
    return Finish(ctx, result, kExitOk, Status::Ok());
  }
  if (s.ok()) s = SetUp(ctx, plan);
  if (!s.ok()) {
    StopSource(plan);
    plan.RemoveCreated(ctx.env);
    return Finish(ctx, result, kExitUsage, s);
  }
  result.destinations = Destinations(plan);
  result.resumed_from_chunk = plan.resume_chunk;

  if (!plan.already_complete) {
    StepFailure f = Generate(ctx, plan, probe, result.generation);
    if (f.failed()) return Finish(ctx, result, f.exit_code, f.status);
  } else {
    ctx.Say("the pad at " + plan.Recipients() + " is already complete; " +
            (options.verify ? std::string("verifying it") : std::string("nothing to write")));
    result.generation.pad_id = HexEncode(plan.targets[0].manifest->pad_id);
    result.generation.chunks_durable = plan.chunk_count;
  }
  for (Target& t : plan.targets) t.writer.reset();
  for (Target& t : plan.targets) t.destination.reset();  // unlock and close before reading back
  if (hooks.after_write) hooks.after_write();

  result.verified = false;
  if (options.verify) {
    VerifyResult v = VerifyCopies(ctx, plan);
    result.verify_seconds = v.seconds;
    if (v.failure.failed()) return Finish(ctx, result, v.failure.exit_code, v.failure.status);
    result.verified = v.verified;
  }
  RegisterResult r = RegisterContacts(ctx, plan);
  if (r.failure.failed()) return Finish(ctx, result, r.failure.exit_code, r.failure.status);
  result.registered = std::move(r.registered);
  result.duration_seconds = std::chrono::duration<double>(Clock::now() - job_start).count();
  return Finish(ctx, result, kExitOk, Status::Ok());
}

}  // namespace otc::padgen
