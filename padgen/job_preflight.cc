// Looking at every destination before anything is created (job_steps.h): existing pads
// and manifests, the resume point, and free space per file system.
#include <sys/stat.h>

#include <algorithm>
#include <map>

#include "common/byte_size.h"
#include "padgen/job_steps.h"

namespace otc::padgen {
namespace {

uint64_t FileSize(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 ? static_cast<uint64_t>(st.st_size) : 0;
}

// Reads t's manifest for --resume. Leaves t.manifest empty when the manifest was cut
// short while being created, so that copy starts over.
Status ReadResumeManifest(const JobContext& ctx, Target& t, uint64_t header_size) {
  const JobOptions& o = ctx.options;
  Result<padstore::Manifest> m = padstore::ReadManifest(ctx.env, t.spec.manifest_path);
  if (!m.ok() && m.status().code() == Status::Code::kCorruption &&
      FileSize(t.spec.manifest_path) <= header_size) {
    // A crash while the manifest header was being created (it is synced before any
    // chunk record is appended): no chunk was recorded, so start this copy over.
    ctx.Say(t.spec.label + ": " + t.spec.manifest_path +
            " was cut short while being created; recreating it");
    return Status::Ok();
  }
  if (!m.ok()) {
    return m.status().WithContext(t.spec.label + ": cannot resume (remove " + t.spec.manifest_path +
                                  " and the pad to start over)");
  }
  if (m->pad_size != o.size || m->chunk_size != o.chunk_size) {
    return Status::InvalidArgument(t.spec.label + ": " + t.spec.manifest_path +
                                   " is for a pad of " + std::to_string(m->pad_size) +
                                   " bytes in chunks of " + std::to_string(m->chunk_size) +
                                   "; resume with --size " + std::to_string(m->pad_size) +
                                   " --chunk-size " + std::to_string(m->chunk_size));
  }
  if (!t.check.pad_exists && !t.check.block_device && !m->chunks.empty()) {
    return Status::NotFound(t.spec.label + ": the manifest " + t.spec.manifest_path +
                            " records written chunks but the pad " + t.spec.pad_path +
                            " is missing; restore the pad, or remove the manifest to start "
                            "over");
  }
  t.manifest = std::move(*m);
  return Status::Ok();
}

// Sets the resume point from the manifests read by ReadResumeManifest.
Status FindResumePoint(JobPlan& plan) {
  plan.resume_chunk = plan.chunk_count;
  plan.already_complete = true;
  for (const Target& t : plan.targets) {
    uint64_t n = t.manifest ? t.manifest->chunks.size() : 0;
    plan.resume_chunk = std::min(plan.resume_chunk, n);
    plan.already_complete = plan.already_complete && t.manifest && t.manifest->complete;
  }
  Status s = RestoreTransforms(plan.targets, plan.chain);
  if (!s.ok()) return s;
  if (plan.already_complete) {
    const Target& first = plan.targets[0];
    for (const Target& t : plan.targets) {
      if (t.manifest->pad_id != first.manifest->pad_id) {
        return Status::Corruption("the manifests of " + first.spec.label + " and " + t.spec.label +
                                  " describe different pads; these are not copies of one pad");
      }
    }
  }
  return Status::Ok();
}

}  // namespace

Status Preflight(const JobContext& ctx, JobPlan& plan, uint64_t header_size) {
  const bool resuming = plan.mode == OpenMode::kResume;
  for (Target& t : plan.targets) {
    if (plan.registrar != nullptr && !t.store.empty()) {
      Status s = plan.registrar->Check(t.store, t.user, t.peer, ctx.options.format);
      if (!s.ok()) return s;
    }
    Result<DestinationCheck> check = CheckDestination(t.spec, plan.mode);
    if (!check.ok()) return check.status();
    t.check = std::move(*check);
    if (resuming && t.check.manifest_exists) {
      Status s = ReadResumeManifest(ctx, t, header_size);
      if (!s.ok()) return s;
    }
  }
  if (resuming) return FindResumePoint(plan);
  return Status::Ok();
}

Result<std::vector<SpaceNeed>> CheckSpace(const JobContext& ctx, const JobPlan& plan) {
  const JobOptions& o = ctx.options;
  std::map<dev_t, SpaceNeed> by_fs;
  const uint64_t manifest_bytes =
      4096 + padstore::kManifestRecordSize * (plan.chunk_count + 1);  // header + records
  for (const Target& t : plan.targets) {
    if (t.check.block_device) {
      if (t.check.device_size < o.size) {
        return Status::NoSpace(t.spec.label + ": block device " + t.spec.pad_path + " holds " +
                               FormatByteSize(t.check.device_size) + " but the pad needs " +
                               FormatByteSize(o.size) + "; choose a smaller --size");
      }
      continue;
    }
    SpaceNeed& f = by_fs[t.check.filesystem];
    uint64_t have = std::min(t.check.allocated_bytes, o.size);
    f.need += o.size - have + manifest_bytes;
    f.free = t.check.free_bytes;
    f.known = t.check.space_known;
    f.dir = t.check.existing_dir;
    f.labels.push_back(t.spec.label);
  }
  std::vector<SpaceNeed> out;
  for (auto& [dev, f] : by_fs) {
    if (!f.known) {
      ctx.Say("the file system of " + f.dir + " does not report its free space; not checked");
    } else if (f.need > f.free) {
      std::string who;
      for (size_t i = 0; i < f.labels.size(); ++i) who += (i ? " and " : "") + f.labels[i];
      return Status::NoSpace("not enough space on the file system of " + f.dir + ": " +
                             FormatByteSize(f.free) + " free, but " + who + " need " +
                             FormatByteSize(f.need) +
                             " (pad and manifest); free some space or choose a smaller --size");
    }
    out.push_back(std::move(f));
  }
  return out;
}

}  // namespace otc::padgen
