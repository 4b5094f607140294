// Planning a padgen run: which copies to write where, and opening them (job_steps.h).
#include <sys/stat.h>

#include <algorithm>
#include <filesystem>

#include "padgen/job_steps.h"

namespace otc::padgen {
namespace {

// The path with symlinks in its existing part resolved, for duplicate detection.
std::string CanonicalPath(const std::string& path) {
  std::error_code ec;
  std::filesystem::path p = std::filesystem::weakly_canonical(std::filesystem::absolute(path), ec);
  return ec ? path : p.lexically_normal().string();
}

bool SameExistingFile(const std::string& a, const std::string& b) {
  struct stat sa, sb;
  return ::stat(a.c_str(), &sa) == 0 && ::stat(b.c_str(), &sb) == 0 && sa.st_dev == sb.st_dev &&
         sa.st_ino == sb.st_ino;
}

bool SamePlace(const std::string& a, const std::string& b) {
  return CanonicalPath(a) == CanonicalPath(b) || SameExistingFile(a, b);
}

Status CheckPaths(const JobOptions& o, const std::vector<Target>& targets) {
  for (size_t i = 0; i < targets.size(); ++i) {
    for (size_t j = 0; j < i; ++j) {
      const Target& a = targets[j];
      const Target& b = targets[i];
      bool same = SamePlace(a.spec.pad_path, b.spec.pad_path);
      if (!a.store.empty()) same = same || SamePlace(a.store, b.store);
      same = same || CanonicalPath(a.spec.manifest_path) == CanonicalPath(b.spec.manifest_path);
      if (same) {
        std::string what = a.store.empty() ? "-o " + b.spec.pad_path
                                           : "--user " + a.user + " and --user " + b.user;
        return Status::InvalidArgument(
            what + " name the same place (" + (a.store.empty() ? a.spec.pad_path : a.store) +
            "); every copy of the pad needs its own destination, ideally on its own drive");
      }
    }
  }
  std::vector<std::string> inputs = o.hrngs;
  if (o.source.rfind("file:", 0) == 0) inputs.push_back(o.source.substr(5));
  for (const std::string& in : inputs) {
    for (const Target& t : targets) {
      if (SamePlace(in, t.spec.pad_path)) {
        return Status::InvalidArgument("the source " + in + " is also a destination (" +
                                       t.spec.label + "); read from somewhere else");
      }
    }
  }
  return Status::Ok();
}

Status OpenManifest(const JobContext& ctx, const JobPlan& plan, Target& t) {
  const JobOptions& o = ctx.options;
  const std::string& path = t.spec.manifest_path;
  if (plan.mode == OpenMode::kResume && t.manifest) {
    // Drop records beyond the chunks durable on every copy (and a final record).
    const padstore::Manifest& m = *t.manifest;
    uint64_t records = m.chunks.size() + (m.complete ? 1 : 0);
    uint64_t header = m.valid_bytes - records * padstore::kManifestRecordSize;
    uint64_t keep = header + plan.resume_chunk * padstore::kManifestRecordSize;
    if (keep != m.valid_bytes) {
      OpenOptions oo;
      oo.write = true;
      Result<std::unique_ptr<File>> f = ctx.env.OpenFile(path, oo);
      if (!f.ok()) return f.status();
      Status s = (*f)->Truncate(keep);
      if (s.ok()) s = (*f)->Sync();
      if (!s.ok()) return s;
    }
    Result<std::unique_ptr<padstore::ManifestWriter>> w =
        padstore::ManifestWriter::Resume(ctx.env, path, o.size, o.chunk_size);
    if (!w.ok()) return w.status();
    t.writer = std::move(*w);
    return Status::Ok();
  }
  if (t.check.manifest_exists) {  // --force (or --resume with a pad but no usable manifest)
    Status s = ctx.env.RemoveFile(path);
    if (!s.ok()) return s;
  }
  Result<std::unique_ptr<padstore::ManifestWriter>> w =
      padstore::ManifestWriter::Create(ctx.env, path, o.size, o.chunk_size, plan.extension);
  if (!w.ok()) return w.status().WithContext(t.spec.label + ": creating the manifest");
  t.writer = std::move(*w);
  t.created_manifest = true;
  return Status::Ok();
}

}  // namespace

std::string ResumeAdvice() { return "re-run the same command with --resume to continue"; }

void JobContext::Say(const std::string& line) const {
  if (!ui.quiet) std::fprintf(ui.err, "padgen: %s\n", line.c_str());
}

uint64_t JobPlan::SourceBytes(const JobOptions& o, uint64_t from_chunk) const {
  auto input_for = [this](uint64_t out) {
    for (size_t k = chain.transforms.size(); k-- > 0;) out = chain.transforms[k]->InputBytes(out);
    return out;
  };
  if (from_chunk >= chunk_count) return 0;
  const uint64_t last_len = o.size - (chunk_count - 1) * o.chunk_size;
  return (chunk_count - 1 - from_chunk) * input_for(o.chunk_size) + input_for(last_len);
}

std::string JobPlan::Recipients() const {
  std::string who;
  for (size_t i = 0; i < targets.size(); ++i) {
    who += (i ? (i + 1 == targets.size() ? " and " : ", ") : "") +
           (targets[i].user.empty() ? targets[i].spec.pad_path
                                    : targets[i].user + " (" + targets[i].store + ")");
  }
  return who;
}

void JobPlan::RemoveCreated(Env& env) {
  for (Target& t : targets) {
    t.writer.reset();
    if (t.created_manifest) env.RemoveFile(t.spec.manifest_path);
    if (t.destination) t.destination->RemoveCreated();
  }
}

Result<std::vector<Target>> PlanTargets(const JobOptions& o, StoreRegistrar* registrar) {
  std::vector<Target> targets;
  if (!o.users.empty()) {
    const uint32_t generation = registrar->PairGeneration(
        {{o.users[0].dir, o.users[1].name}, {o.users[1].dir, o.users[0].name}});
    for (size_t i = 0; i < 2; ++i) {
      const UserDestination& me = o.users[i];
      const UserDestination& peer = o.users[1 - i];
      Target t;
      t.user = me.name;
      t.peer = peer.name;
      t.store = me.dir;
      t.direction = i == 0 ? Direction::kUp : Direction::kDown;
      t.pad_generation = generation;
      t.spec = registrar->PadLocation(me.dir, me.name, peer.name, generation);
      t.spec.label = me.name;
      targets.push_back(std::move(t));
    }
  } else {
    for (const std::string& out : o.outputs) {
      Target t;
      t.spec.label = out;
      t.spec.pad_path = out;
      if (!o.manifest_dir.empty()) {
        t.spec.manifest_path =
            o.manifest_dir + "/" + std::filesystem::path(out).filename().string() + ".manifest";
      } else {
        struct stat st;
        if (::stat(out.c_str(), &st) == 0 && S_ISBLK(st.st_mode)) {
          return Status::InvalidArgument(
              "-o " + out +
              " is a block device: give --manifest-dir DIR for its manifest, on a "
              "file system that survives a reboot (a manifest beside it would land in /dev)");
        }
        t.spec.manifest_path = out + ".manifest";
      }
      targets.push_back(std::move(t));
    }
  }
  Status s = CheckPaths(o, targets);
  if (!s.ok()) return s;
  return targets;
}

Status SetUp(const JobContext& ctx, JobPlan& plan) {
  const JobOptions& o = ctx.options;
  for (Target& t : plan.targets) {
    if (plan.registrar != nullptr && !t.store.empty()) {
      Status s = plan.registrar->Prepare(t.store, t.user);
      if (!s.ok()) return s.WithContext(t.spec.label);
    }
    Result<std::unique_ptr<Destination>> d =
        Destination::Open(ctx.env, t.spec, o.size, o.chunk_size, plan.mode);
    if (!d.ok()) return d.status();
    t.destination = std::move(*d);
    if (plan.already_complete) continue;  // nothing to write; the manifests stay as they are
    Status s = OpenManifest(ctx, plan, t);
    if (!s.ok()) return s;
    if (!t.destination->direct()) {
      ctx.Say(t.spec.label + ": " + t.destination->fallback_reason() + " at " + t.spec.pad_path +
              "; using buffered writes with fdatasync per chunk");
    }
  }
  return Status::Ok();
}

Status PlanJob(const JobContext& ctx, JobPlan& plan) {
  const JobOptions& o = ctx.options;
  plan.mode = o.resume ? OpenMode::kResume : (o.force ? OpenMode::kForce : OpenMode::kCreate);
  plan.chunk_count = (o.size + o.chunk_size - 1) / o.chunk_size;
  if (!o.users.empty()) {
    if (ctx.hooks.registrar != nullptr) {
      plan.registrar = ctx.hooks.registrar;
    } else {
      plan.own_registrar = MakePadstoreRegistrar(ctx.env);
      plan.registrar = plan.own_registrar.get();
    }
  }
  Result<std::vector<Target>> targets = PlanTargets(o, plan.registrar);
  if (!targets.ok()) return targets.status();
  plan.targets = std::move(*targets);
  if (!plan.targets.empty() && plan.targets[0].pad_generation > 0) {
    const Target& a = plan.targets[0];
    const Target& b = plan.targets[1];
    ctx.Say("renewal: the new pad becomes generation " + std::to_string(a.pad_generation) +
            " of contact " + a.peer + " in " + a.user + "'s store and of contact " + b.peer +
            " in " + b.user + "'s store");
  }
  Result<SourceChain> chain = BuildTransforms(ctx);
  if (!chain.ok()) return chain.status();
  plan.chain = std::move(*chain);
  Result<std::unique_ptr<PadSource>> source = MakeSource(ctx, &plan.chain.file_source);
  if (!source.ok()) return source.status();
  plan.chain.source = std::move(*source);
  Result<std::vector<uint8_t>> extension = BuildExtension(plan.chain);
  if (!extension.ok()) return extension.status();
  // magic, version, ext_len, pad_size, chunk_size, extension, crc (padstore/manifest.h)
  const uint64_t header_size = 8 + 4 + 4 + 8 + 8 + extension->size() + 4;
  Status s = Preflight(ctx, plan, header_size);
  if (!s.ok()) return s;
  if (plan.mode == OpenMode::kResume) {  // the transforms may have restored a stored seed
    extension = BuildExtension(plan.chain);
    if (!extension.ok()) return extension.status();
  }
  plan.extension = std::move(*extension);
  return Status::Ok();
}

}  // namespace otc::padgen
