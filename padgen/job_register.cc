// The register step of a padgen run (job_steps.h): in pair mode, once the pad is complete
// and verified, add the contact to both users' stores.
#include "padgen/job_steps.h"

namespace otc::padgen {

RegisterResult RegisterContacts(const JobContext& ctx, const JobPlan& plan) {
  RegisterResult out;
  if (plan.registrar == nullptr) return out;
  std::vector<ContactRegistration> regs;
  for (const Target& t : plan.targets) {
    ContactRegistration reg;
    reg.store_dir = t.store;
    reg.user = t.user;
    reg.peer = t.peer;
    reg.direction = t.direction;
    reg.format = ctx.options.format;
    reg.pad_generation = t.pad_generation;
    reg.pad = t.spec;
    regs.push_back(std::move(reg));
  }
  Status s = plan.registrar->Register(regs);
  if (!s.ok()) {
    out.failure = {kExitFailed, s.WithContext("the pad is complete and verified, but "
                                              "registering the contacts failed; fix this and " +
                                              ResumeAdvice() + " (it registers them)")};
    return out;
  }
  out.registered = std::move(regs);
  return out;
}

}  // namespace otc::padgen
