// The verify step of a padgen run (job_steps.h): read every copy back and check it
// against its manifest, with a progress bar on a terminal.
#include <chrono>

#include "common/byte_size.h"
#include "padgen/job_steps.h"
#include "padgen/progress.h"
#include "padgen/verify.h"

namespace otc::padgen {

VerifyResult VerifyCopies(const JobContext& ctx, const JobPlan& plan) {
  using Clock = std::chrono::steady_clock;
  VerifyResult out;
  std::atomic<uint64_t> verified{0};
  VerifyOptions vo;
  vo.bytes_verified = &verified;
  vo.cancel = &ctx.cancel;
  std::vector<DestinationSpec> specs;
  for (const Target& t : plan.targets) specs.push_back(t.spec);
  const auto start = Clock::now();
  const uint64_t total = ctx.options.size * plan.targets.size();
  std::unique_ptr<ProgressReporter> reporter = StartProgress(ctx, "verifying", [&] {
    const uint64_t v = verified.load();
    const double secs = std::chrono::duration<double>(Clock::now() - start).count();
    const double rate = secs > 0 ? static_cast<double>(v) / secs : 0;
    ProgressSnapshot s;
    s.fraction = static_cast<double>(v) / static_cast<double>(total);
    s.detail = FormatByteSize(v) + "/" + FormatByteSize(total) + " " + FormatRate(rate);
    if (rate > 0 && v < total) s.detail += " ETA " + FormatDuration((total - v) / rate);
    return s;
  });
  Result<padstore::Digest128> id = VerifyPads(ctx.env, specs, vo);
  if (reporter) reporter->Stop();
  out.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  if (!id.ok()) {
    if (ctx.cancel.load()) {
      out.failure = {kExitInterrupted,
                     Status::Failed("interrupted while verifying; the pad is complete: " +
                                    ResumeAdvice() + " (it verifies and registers)")};
    } else {
      out.failure = {kExitVerifyFailed, id.status()};
    }
    return out;
  }
  out.verified = true;
  return out;
}

}  // namespace otc::padgen
