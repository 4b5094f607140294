#include "padgen/job.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <map>
#include <optional>
#include <thread>

#include "common/byte_size.h"
#include "common/encoding.h"
#include "padgen/assess.h"
#include "padgen/file_source.h"
#include "padgen/manifest_extension.h"
#include "padgen/mix_transform.h"
#include "padgen/pipeline.h"
#include "padgen/progress.h"
#include "padgen/random_source.h"
#include "padgen/stream_source.h"
#include "padgen/toeplitz_transform.h"
#include "padgen/verify.h"
#include "padstore/manifest.h"

namespace otc::padgen {
namespace {

using Clock = std::chrono::steady_clock;
using json = nlohmann::json;

constexpr const char* kGenerator = "otc padgen 0.1.0";

std::string ResumeAdvice() { return "re-run the same command with --resume to continue"; }

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

struct Target {
  DestinationSpec spec;
  std::string user;  // pair mode
  std::string peer;  // pair mode
  std::string store;
  Direction direction = Direction::kUp;
  DestinationCheck check;
  std::optional<padstore::Manifest> manifest;  // existing one (resume)
  std::unique_ptr<Destination> destination;
  std::unique_ptr<padstore::ManifestWriter> writer;
  bool created_manifest = false;
};

class Job {
 public:
  Job(const JobOptions& options, const JobUi& ui, const JobHooks& hooks,
      const std::atomic<bool>& cancel)
      : o_(options),
        ui_(ui),
        hooks_(hooks),
        cancel_(cancel),
        env_(hooks.env != nullptr ? *hooks.env : *Env::Default()) {}

  JobOutcome Run();

 private:
  void Say(const std::string& line) {
    if (!ui_.quiet) std::fprintf(ui_.err, "padgen: %s\n", line.c_str());
  }
  JobOutcome Finish(int exit_code, Status status);
  Status BuildTargets();
  Status CheckPaths();
  Result<std::unique_ptr<PadSource>> MakeSource();
  Status BuildTransforms();
  Status RestoreTransforms();
  uint64_t SourceBytes(uint64_t from_chunk) const;
  Status Assess(uint64_t file_offset);
  Status Preflight();
  Status CheckSpace();
  Status Setup();
  void RemoveCreated();
  Status OpenManifest(Target& t, const std::vector<uint8_t>& extension);
  std::string RenderProgress();
  // Bytes stream i accepted since generation started.
  uint64_t AcceptedDuringGeneration(const std::vector<StreamStats>& stats, size_t i) const {
    const uint64_t before = i < baseline_per_stream_.size() ? baseline_per_stream_[i] : 0;
    return stats[i].bytes_accepted - std::min(before, stats[i].bytes_accepted);
  }
  Result<std::vector<uint8_t>> BuildExtension() const;
  static uint64_t ManifestFileSize(const std::string& path) {
    struct stat st;
    return ::stat(path.c_str(), &st) == 0 ? static_cast<uint64_t>(st.st_size) : 0;
  }
  json SourcesJson(double seconds) const;

  const JobOptions& o_;
  const JobUi& ui_;
  const JobHooks& hooks_;
  const std::atomic<bool>& cancel_;
  Env& env_;
  std::unique_ptr<StoreRegistrar> own_registrar_;
  StoreRegistrar* registrar_ = nullptr;
  OpenMode mode_ = OpenMode::kCreate;

  std::vector<Target> targets_;
  std::unique_ptr<PadSource> source_;
  FileSource* file_source_ = nullptr;  // source_ when it is a file: source
  std::vector<std::unique_ptr<Transform>> own_transforms_;
  std::vector<Transform*> transforms_;  // hooks_.transforms, or own_transforms_
  std::string processing_;              // ", then Toeplitz extraction (...)" etc.
  std::string guarantee_;               // what the pad's randomness rests on
  uint64_t source_bytes_needed_ = 0;    // raw bytes this run takes from the source
  // Per stream: bytes accepted before generation started (--assess sample, rate probe).
  std::vector<uint64_t> baseline_per_stream_;
  uint64_t chunk_count_ = 0;
  uint64_t resume_chunk_ = 0;
  bool already_complete_ = false;
  PipelineProgress progress_;
  Clock::time_point gen_start_;
  uint64_t start_bytes_ = 0;
  json summary_ = json::object();
  std::vector<uint8_t> extension_;
  uint64_t header_size_ = 0;  // bytes of a manifest header written by this run
};

Status Job::BuildTargets() {
  if (!o_.users.empty()) {
    for (size_t i = 0; i < 2; ++i) {
      const UserDestination& me = o_.users[i];
      const UserDestination& peer = o_.users[1 - i];
      Target t;
      t.user = me.name;
      t.peer = peer.name;
      t.store = me.dir;
      t.direction = i == 0 ? Direction::kUp : Direction::kDown;
      t.spec = registrar_->PadLocation(me.dir, me.name, peer.name);
      t.spec.label = me.name;
      targets_.push_back(std::move(t));
    }
  } else {
    for (const std::string& out : o_.outputs) {
      Target t;
      t.spec.label = out;
      t.spec.pad_path = out;
      if (!o_.manifest_dir.empty()) {
        t.spec.manifest_path =
            o_.manifest_dir + "/" + std::filesystem::path(out).filename().string() + ".manifest";
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
      targets_.push_back(std::move(t));
    }
  }
  return CheckPaths();
}

Status Job::CheckPaths() {
  for (size_t i = 0; i < targets_.size(); ++i) {
    for (size_t j = 0; j < i; ++j) {
      const Target& a = targets_[j];
      const Target& b = targets_[i];
      bool same = CanonicalPath(a.spec.pad_path) == CanonicalPath(b.spec.pad_path) ||
                  SameExistingFile(a.spec.pad_path, b.spec.pad_path);
      if (!a.store.empty()) {
        same = same || CanonicalPath(a.store) == CanonicalPath(b.store) ||
               SameExistingFile(a.store, b.store);
      }
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
  std::vector<std::string> inputs = o_.hrngs;
  if (o_.source.rfind("file:", 0) == 0) inputs.push_back(o_.source.substr(5));
  for (const std::string& in : inputs) {
    for (const Target& t : targets_) {
      if (CanonicalPath(in) == CanonicalPath(t.spec.pad_path) ||
          SameExistingFile(in, t.spec.pad_path)) {
        return Status::InvalidArgument("the source " + in + " is also a destination (" +
                                       t.spec.label + "); read from somewhere else");
      }
    }
  }
  return Status::Ok();
}

Result<std::unique_ptr<PadSource>> Job::MakeSource() {
  if (hooks_.make_source) return hooks_.make_source();
  if (!o_.hrngs.empty()) {
    StreamSourceOptions so;
    so.kind = "hrng";
    so.health_tests = true;
    so.health = o_.health;
    so.block_size = o_.hrng_block;
    Result<std::unique_ptr<StreamSource>> s = StreamSource::Open(o_.hrngs, so);
    if (!s.ok()) return s.status();
    return std::unique_ptr<PadSource>(std::move(*s));
  }
  if (o_.source.rfind("file:", 0) == 0) {
    Result<std::unique_ptr<FileSource>> s = FileSource::Open(o_.source.substr(5));
    if (!s.ok()) return s.status();
    file_source_ = s->get();
    return std::unique_ptr<PadSource>(std::move(*s));
  }
  return std::unique_ptr<PadSource>(new RandomSource(
      o_.threads, o_.source == "drbg" ? RandomGenerator::kDrbg : RandomGenerator::kGetrandom));
}

Status Job::BuildTransforms() {
  const bool getrandom = o_.hrngs.empty() && (o_.source.empty() || o_.source == "random");
  const bool drbg = o_.hrngs.empty() && o_.source == "drbg";
  if (!hooks_.transforms.empty()) {
    transforms_ = hooks_.transforms;
    guarantee_ = "set by the test's transforms";
    return Status::Ok();
  }
  std::string extraction_guarantee;
  if (o_.extract == "toeplitz") {
    double k = kDefaultEpsilonLog2;
    if (!o_.epsilon.empty()) {
      Result<double> e = ParseEpsilon(o_.epsilon);
      if (!e.ok()) return e.status();
      k = *e;
    }
    Result<ToeplitzParams> p =
        DeriveToeplitzParams(o_.extract_block_bits, o_.health.min_entropy, k);
    if (!p.ok()) return p.status();
    Result<std::unique_ptr<ToeplitzTransform>> t = ToeplitzTransform::Create(*p);
    if (!t.ok()) return t.status().WithContext("--extract toeplitz: drawing the seed");
    processing_ += ", then " + DescribeToeplitz(*p);
    extraction_guarantee =
        "information-theoretic: every output block is within eps of uniform against an "
        "unbounded adversary, provided every input block of the source has at least H "
        "(--min-entropy) bits/byte of min-entropy";
    summary_["extraction"] = {{"method", "toeplitz"},
                              {"block_bits", p->block_bits},
                              {"output_bits", p->output_bits},
                              {"min_entropy", p->min_entropy_per_byte},
                              {"epsilon_log2", p->epsilon_log2}};
    own_transforms_.push_back(std::move(*t));
  }
  if (o_.mix) {
    processing_ += ", then XOR with getrandom (--mix)";
    own_transforms_.push_back(std::make_unique<MixTransform>());
  }
  summary_["mix"] = o_.mix;
  for (auto& t : own_transforms_) transforms_.push_back(t.get());

  if (getrandom) {
    guarantee_ = "computational only: the kernel CSPRNG (getrandom)";
  } else if (drbg) {
    guarantee_ = "computational only: OpenSSL's CTR_DRBG (AES-256) seeded from getrandom";
  } else if (!extraction_guarantee.empty() && o_.mix) {
    guarantee_ = extraction_guarantee +
                 "; otherwise, or if that bound is wrong, at least getrandom's computational "
                 "security, provided the source and the kernel are independent";
  } else if (!extraction_guarantee.empty()) {
    guarantee_ = extraction_guarantee;
  } else if (o_.mix) {
    guarantee_ =
        "at least as unpredictable as the better of the source and getrandom (computational), "
        "provided they are independent; nothing information-theoretic without --extract";
  } else {
    guarantee_ =
        "none stated: raw source bytes, as good as the source (use --extract toeplitz "
        "--min-entropy H for an information-theoretic guarantee)";
  }
  summary_["guarantee"] = guarantee_;
  return Status::Ok();
}

// On --resume: give every transform its parameters back from the manifests, and check
// that the post-processing recorded there is exactly what this run would do.
Status Job::RestoreTransforms() {
  std::vector<ExtensionEntry> first;
  std::string first_label;
  for (const Target& t : targets_) {
    if (!t.manifest) continue;
    Result<std::vector<ExtensionEntry>> entries = DecodeExtension(t.manifest->extension);
    if (!entries.ok()) return entries.status().WithContext(t.spec.manifest_path);
    for (Transform* tr : transforms_) {
      Status s = tr->Restore(*entries);
      if (!s.ok()) return s.WithContext(t.spec.label + ": cannot resume with " + tr->Name());
    }
    auto claimed = [&](uint16_t tag) {
      for (Transform* tr : transforms_) {
        for (const ExtensionEntry& e : tr->ManifestEntries()) {
          if (e.tag == tag) return true;
        }
      }
      return false;
    };
    if (std::optional<ExtensionEntry> e = FindExtensionEntry(*entries, kTagToeplitz);
        e && !claimed(kTagToeplitz)) {
      Result<ToeplitzExtractor> x = ToeplitzExtractor::Deserialize(e->value);
      std::string flags = x.ok() ? " " + ToeplitzFlags(x->params()) : std::string();
      return Status::InvalidArgument(t.spec.label +
                                     ": this pad was generated with --extract "
                                     "toeplitz" +
                                     flags + "; resume it with the same flags");
    }
    if (FindExtensionEntry(*entries, kTagGetrandomMix) && !claimed(kTagGetrandomMix)) {
      return Status::InvalidArgument(t.spec.label +
                                     ": this pad was generated with --mix; resume it with --mix");
    }
    // Post-processing entries (tags below kTagGenerator) must agree between copies.
    std::vector<ExtensionEntry> mine;
    for (const ExtensionEntry& e : *entries) {
      if (e.tag < kTagGenerator) mine.push_back(e);
    }
    if (first_label.empty()) {
      first = std::move(mine);
      first_label = t.spec.label;
    } else {
      bool same = first.size() == mine.size();
      for (size_t i = 0; same && i < mine.size(); ++i) {
        same = first[i].tag == mine[i].tag && first[i].value == mine[i].value;
      }
      if (!same) {
        return Status::Corruption("the manifests of " + first_label + " and " + t.spec.label +
                                  " record different extraction or mixing; these are not "
                                  "copies of one pad");
      }
    }
  }
  return Status::Ok();
}

// Raw source bytes needed for chunks [from_chunk, chunk_count_).
uint64_t Job::SourceBytes(uint64_t from_chunk) const {
  auto input_for = [this](uint64_t out) {
    for (size_t k = transforms_.size(); k-- > 0;) out = transforms_[k]->InputBytes(out);
    return out;
  };
  if (from_chunk >= chunk_count_) return 0;
  const uint64_t last_len = o_.size - (chunk_count_ - 1) * o_.chunk_size;
  return (chunk_count_ - 1 - from_chunk) * input_for(o_.chunk_size) + input_for(last_len);
}

Status Job::Assess(uint64_t file_offset) {
  const bool replay = file_source_ != nullptr && file_source_->Replayable();
  Result<EntropyReport> r =
      replay ? AssessFileSample(o_.source.substr(5), file_offset, o_.assess_bytes)
             : AssessSourceSample(*source_, o_.assess_bytes);
  if (!r.ok()) return r.status();
  json a = json::parse(EntropyReportJson(*r));
  a["sample_consumed"] = !replay;
  if (!ui_.quiet) {
    std::fprintf(
        ui_.err, "padgen: entropy report on %s of %s (%s):\n%s", FormatByteSize(r->bytes).c_str(),
        source_->Describe().c_str(),
        replay ? "the file's next bytes, not consumed" : "read from the source and discarded",
        FormatEntropyReport(*r).c_str());
  }
  Status out = Status::Ok();
  if (o_.min_entropy_given) {
    if (std::optional<std::string> w = MinEntropyWarning(o_.health.min_entropy, *r)) {
      a["warning"] = *w;
      if (!o_.extract.empty()) {
        out = Status::InvalidArgument(
            *w +
            ": with --extract an overstated --min-entropy voids the extractor's guarantee, "
            "so padgen stops (nothing was generated)");
      } else {
        Say("warning: " + *w);
      }
    }
  }
  summary_["assessment"] = std::move(a);
  return out;
}

Status Job::Preflight() {
  for (Target& t : targets_) {
    if (registrar_ != nullptr && !t.store.empty()) {
      Status s = registrar_->Check(t.store, t.user, t.peer, mode_ == OpenMode::kResume);
      if (!s.ok()) return s;
    }
    Result<DestinationCheck> check = CheckDestination(t.spec, mode_);
    if (!check.ok()) return check.status();
    t.check = std::move(*check);
    if (mode_ == OpenMode::kResume && t.check.manifest_exists) {
      Result<padstore::Manifest> m = padstore::ReadManifest(env_, t.spec.manifest_path);
      if (!m.ok() && m.status().code() == Status::Code::kCorruption &&
          ManifestFileSize(t.spec.manifest_path) <= header_size_) {
        // A crash while the manifest header was being created (it is synced before any
        // chunk record is appended): no chunk was recorded, so start this copy over.
        Say(t.spec.label + ": " + t.spec.manifest_path +
            " was cut short while being created; recreating it");
        continue;
      }
      if (!m.ok()) {
        return m.status().WithContext(t.spec.label + ": cannot resume (remove " +
                                      t.spec.manifest_path + " and the pad to start over)");
      }
      if (m->pad_size != o_.size || m->chunk_size != o_.chunk_size) {
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
    }
  }
  if (mode_ == OpenMode::kResume) {
    resume_chunk_ = chunk_count_;
    already_complete_ = true;
    for (const Target& t : targets_) {
      uint64_t n = t.manifest ? t.manifest->chunks.size() : 0;
      resume_chunk_ = std::min(resume_chunk_, n);
      already_complete_ = already_complete_ && t.manifest && t.manifest->complete;
    }
    Status s = RestoreTransforms();
    if (!s.ok()) return s;
    if (already_complete_) {
      for (const Target& t : targets_) {
        if (t.manifest->pad_id != targets_[0].manifest->pad_id) {
          return Status::Corruption("the manifests of " + targets_[0].spec.label + " and " +
                                    t.spec.label +
                                    " describe different pads; these are not copies of one pad");
        }
      }
    }
  }
  return CheckSpace();
}

Status Job::CheckSpace() {
  struct FsNeed {
    uint64_t need = 0;
    uint64_t free = 0;
    bool known = true;
    std::string dir;
    std::vector<std::string> labels;
  };
  std::map<dev_t, FsNeed> by_fs;
  const uint64_t manifest_bytes =
      4096 + padstore::kManifestRecordSize * (chunk_count_ + 1);  // header + records
  for (const Target& t : targets_) {
    if (t.check.block_device) {
      if (t.check.device_size < o_.size) {
        return Status::NoSpace(t.spec.label + ": block device " + t.spec.pad_path + " holds " +
                               FormatByteSize(t.check.device_size) + " but the pad needs " +
                               FormatByteSize(o_.size) + "; choose a smaller --size");
      }
      continue;
    }
    FsNeed& f = by_fs[t.check.filesystem];
    uint64_t have = std::min(t.check.allocated_bytes, o_.size);
    f.need += o_.size - have + manifest_bytes;
    f.free = t.check.free_bytes;
    f.known = t.check.space_known;
    f.dir = t.check.existing_dir;
    f.labels.push_back(t.spec.label);
  }
  for (auto& [dev, f] : by_fs) {
    if (!f.known) {
      Say("the file system of " + f.dir + " does not report its free space; not checked");
      continue;
    }
    if (f.need > f.free) {
      std::string who;
      for (size_t i = 0; i < f.labels.size(); ++i) who += (i ? " and " : "") + f.labels[i];
      return Status::NoSpace("not enough space on the file system of " + f.dir + ": " +
                             FormatByteSize(f.free) + " free, but " + who + " need " +
                             FormatByteSize(f.need) +
                             " (pad and manifest); free some space or choose a smaller --size");
    }
  }
  return Status::Ok();
}

Status Job::OpenManifest(Target& t, const std::vector<uint8_t>& extension) {
  const std::string& path = t.spec.manifest_path;
  if (mode_ == OpenMode::kResume && t.manifest) {
    // Drop records beyond the chunks durable on every copy (and a final record).
    const padstore::Manifest& m = *t.manifest;
    uint64_t records = m.chunks.size() + (m.complete ? 1 : 0);
    uint64_t header = m.valid_bytes - records * padstore::kManifestRecordSize;
    uint64_t keep = header + resume_chunk_ * padstore::kManifestRecordSize;
    if (keep != m.valid_bytes) {
      OpenOptions oo;
      oo.write = true;
      Result<std::unique_ptr<File>> f = env_.OpenFile(path, oo);
      if (!f.ok()) return f.status();
      Status s = (*f)->Truncate(keep);
      if (s.ok()) s = (*f)->Sync();
      if (!s.ok()) return s;
    }
    Result<std::unique_ptr<padstore::ManifestWriter>> w =
        padstore::ManifestWriter::Resume(env_, path, o_.size, o_.chunk_size);
    if (!w.ok()) return w.status();
    t.writer = std::move(*w);
    return Status::Ok();
  }
  if (t.check.manifest_exists) {  // --force (or --resume with a pad but no usable manifest)
    Status s = env_.RemoveFile(path);
    if (!s.ok()) return s;
  }
  Result<std::unique_ptr<padstore::ManifestWriter>> w =
      padstore::ManifestWriter::Create(env_, path, o_.size, o_.chunk_size, extension);
  if (!w.ok()) return w.status().WithContext(t.spec.label + ": creating the manifest");
  t.writer = std::move(*w);
  t.created_manifest = true;
  return Status::Ok();
}

void Job::RemoveCreated() {
  for (Target& t : targets_) {
    t.writer.reset();
    if (t.created_manifest) env_.RemoveFile(t.spec.manifest_path);
    if (t.destination) t.destination->RemoveCreated();
  }
}

Result<std::vector<uint8_t>> Job::BuildExtension() const {
  std::vector<ExtensionEntry> entries = {
      {kTagGenerator, std::vector<uint8_t>(kGenerator, kGenerator + std::strlen(kGenerator))}};
  std::string source = source_->Describe() + processing_;
  entries.push_back({kTagSource, std::vector<uint8_t>(source.begin(), source.end())});
  for (Transform* tr : transforms_) {
    for (ExtensionEntry& e : tr->ManifestEntries()) entries.push_back(std::move(e));
  }
  // The format wants strictly increasing tags (manifest_extension.h).
  std::stable_sort(entries.begin(), entries.end(),
                   [](const ExtensionEntry& a, const ExtensionEntry& b) { return a.tag < b.tag; });
  return EncodeExtension(entries);
}

Status Job::Setup() {
  const std::vector<uint8_t>& extension = extension_;

  for (Target& t : targets_) {
    if (registrar_ != nullptr && !t.store.empty()) {
      Status s = registrar_->Prepare(t.store, t.user);
      if (!s.ok()) return s.WithContext(t.spec.label);
    }
    Result<std::unique_ptr<Destination>> d =
        Destination::Open(t.spec, o_.size, o_.chunk_size, mode_, hooks_.io);
    if (!d.ok()) return d.status();
    t.destination = std::move(*d);
    if (already_complete_) continue;  // nothing to write; the manifests stay as they are
    Status s = OpenManifest(t, extension);
    if (!s.ok()) return s;
    if (!t.destination->direct()) {
      Say(t.spec.label + ": " + t.destination->fallback_reason() + " at " + t.spec.pad_path +
          "; using buffered writes with fdatasync per chunk");
    }
  }
  return Status::Ok();
}

std::string Job::RenderProgress() {
  double seconds = std::chrono::duration<double>(Clock::now() - gen_start_).count();
  std::vector<StreamStats> stats = source_->Stats();
  uint64_t raw = 0;
  for (size_t i = 0; i < stats.size(); ++i) raw += AcceptedDuringGeneration(stats, i);
  // Source bytes -> pad bytes (an extractor takes more input than it gives output).
  const uint64_t produced =
      source_bytes_needed_ > 0 ? static_cast<uint64_t>(static_cast<double>(raw) *
                                                       static_cast<double>(o_.size - start_bytes_) /
                                                       static_cast<double>(source_bytes_needed_))
                               : raw;
  uint64_t done = std::max<uint64_t>(progress_.durable_bytes.load(),
                                     std::min<uint64_t>(o_.size, start_bytes_ + produced));
  double rate = seconds > 0 ? static_cast<double>(done - start_bytes_) / seconds : 0;
  const double fraction = static_cast<double>(done) / static_cast<double>(o_.size);
  char percent[16];
  std::snprintf(percent, sizeof percent, " %5.1f%% ", 100.0 * fraction);
  std::string line = ProgressBar(fraction, 24) + percent + FormatByteSize(done) + "/" +
                     FormatByteSize(o_.size) + " " + FormatRate(rate);
  if (stats.size() > 1) {
    line += " (";
    for (size_t i = 0; i < stats.size(); ++i) {
      std::string name = std::filesystem::path(stats[i].name).filename().string();
      line +=
          (i ? ", " : "") + name + " " +
          FormatRate(seconds > 0 ? static_cast<double>(AcceptedDuringGeneration(stats, i)) / seconds
                                 : 0);
    }
    line += ")";
  }
  if (rate > 0 && done < o_.size) {
    line += " ETA " + FormatDuration(static_cast<double>(o_.size - done) / rate);
  }
  return line;
}

json Job::SourcesJson(double seconds) const {
  json out = json::array();
  if (!source_) return out;
  const std::vector<StreamStats> stats = source_->Stats();
  for (size_t i = 0; i < stats.size(); ++i) {
    const StreamStats& s = stats[i];
    // Bytes taken before generation (the --assess sample, the rate probe) count as
    // accepted but not towards the generation rate.
    const uint64_t during = AcceptedDuringGeneration(stats, i);
    const uint64_t before = s.bytes_accepted - during;
    json j = {{"name", s.name},
              {"kind", s.kind},
              {"bytes_read", s.bytes_read},
              {"bytes_accepted", s.bytes_accepted},
              {"bytes_accepted_before_generation", before},
              {"bytes_discarded", s.bytes_discarded},
              {"rate_bytes_per_second", seconds > 0 ? static_cast<double>(during) / seconds : 0.0}};
    if (s.health_tested) {
      j["health_tests"] = {
          {"min_entropy", o_.health.min_entropy}, {"alpha_exponent", o_.health.alpha_exponent},
          {"rct_cutoff", s.rct_cutoff},           {"apt_cutoff", s.apt_cutoff},
          {"apt_window", o_.health.apt_window},   {"rct_failures", s.rct_failures},
          {"apt_failures", s.apt_failures}};
    }
    out.push_back(std::move(j));
  }
  return out;
}

JobOutcome Job::Finish(int exit_code, Status status) {
  JobOutcome out;
  out.exit_code = exit_code;
  out.status = status;
  summary_["ok"] = exit_code == kExitOk;
  summary_["exit_code"] = exit_code;
  if (!status.ok()) {
    summary_["error"] = {{"category", std::string(CodeName(status.code()))},
                         {"message", status.message()}};
  }
  out.summary = summary_;
  return out;
}

JobOutcome Job::Run() {
  const auto job_start = Clock::now();
  Status s = ValidateJobOptions(o_);
  if (!s.ok()) return Finish(kExitUsage, s);
  mode_ = o_.resume ? OpenMode::kResume : (o_.force ? OpenMode::kForce : OpenMode::kCreate);
  chunk_count_ = (o_.size + o_.chunk_size - 1) / o_.chunk_size;
  summary_["size"] = o_.size;
  summary_["chunk_size"] = o_.chunk_size;
  summary_["chunks"] = chunk_count_;
  if (!o_.users.empty()) {
    if (hooks_.registrar != nullptr) {
      registrar_ = hooks_.registrar;
    } else {
      own_registrar_ = MakePadstoreRegistrar(env_);
      registrar_ = own_registrar_.get();
    }
  }
  s = BuildTargets();
  if (!s.ok()) return Finish(kExitUsage, s);
  s = BuildTransforms();
  if (!s.ok()) return Finish(kExitUsage, s);

  Result<std::unique_ptr<PadSource>> source = MakeSource();
  if (!source.ok()) return Finish(kExitUsage, source.status());
  source_ = std::move(*source);
  Result<std::vector<uint8_t>> extension = BuildExtension();
  if (!extension.ok()) return Finish(kExitUsage, extension.status());
  extension_ = std::move(*extension);
  // magic, version, ext_len, pad_size, chunk_size, extension, crc (padstore/manifest.h)
  header_size_ = 8 + 4 + 4 + 8 + 8 + extension_.size() + 4;

  s = Preflight();
  if (!s.ok()) return Finish(kExitUsage, s);
  if (mode_ == OpenMode::kResume) {  // the transforms may have restored a stored seed
    extension = BuildExtension();
    if (!extension.ok()) return Finish(kExitUsage, extension.status());
    extension_ = std::move(*extension);
  }
  s = Setup();
  if (!s.ok()) {
    RemoveCreated();
    return Finish(kExitUsage, s);
  }
  json dests = json::array();
  for (const Target& t : targets_) {
    json d = {{"label", t.spec.label},
              {"pad", t.spec.pad_path},
              {"manifest", t.spec.manifest_path},
              {"direct_io", t.destination->direct()}};
    if (!t.user.empty()) {
      d["user"] = t.user;
      d["peer"] = t.peer;
      d["store"] = t.store;
      d["direction"] = DirectionSign(t.direction);
    }
    dests.push_back(std::move(d));
  }
  summary_["destinations"] = dests;
  summary_["resumed_from_chunk"] = resume_chunk_;

  std::string who;
  for (size_t i = 0; i < targets_.size(); ++i) {
    who += (i ? (i + 1 == targets_.size() ? " and " : ", ") : "") +
           (targets_[i].user.empty() ? targets_[i].spec.pad_path
                                     : targets_[i].user + " (" + targets_[i].store + ")");
  }

  // Generation.
  double gen_seconds = 0;
  if (!already_complete_) {
    s = source_->Start();
    if (!s.ok()) {
      RemoveCreated();
      return Finish(kExitUsage, s);
    }
    start_bytes_ = std::min(o_.size, resume_chunk_ * o_.chunk_size);
    const uint64_t remaining = o_.size - start_bytes_;
    source_bytes_needed_ = SourceBytes(resume_chunk_);
    uint64_t skipped = 0;
    if (resume_chunk_ > 0 && file_source_ != nullptr && file_source_->Replayable()) {
      // The durable chunks used the file's first bytes: never put them into the pad again.
      skipped = SourceBytes(0) - source_bytes_needed_;
      s = file_source_->Skip(skipped);
      if (!s.ok()) {
        RemoveCreated();
        return Finish(kExitFailed, s.WithContext(ResumeAdvice()));
      }
      Say("skipped the first " + FormatByteSize(skipped) + " of " + source_->Describe() +
          ", used by the chunks already written");
    }
    summary_["source_bytes_skipped"] = skipped;
    if (o_.assess) {
      s = Assess(skipped);
      if (!s.ok()) {
        source_->Stop();
        RemoveCreated();
        return Finish(kExitUsage, s);
      }
    }
    summary_["source_bytes_needed"] = source_bytes_needed_;
    double rate = source_->MeasureRate(ui_.measure_budget);
    std::string line = FormatByteSize(o_.size) + " pad from " + source_->Describe() + processing_ +
                       " (source measured " + FormatRate(rate);
    if (source_bytes_needed_ != remaining) {
      line += "; " + FormatByteSize(source_bytes_needed_) + " of input needed";
    }
    line += ") for " + who;
    if (resume_chunk_ > 0) {
      line += ", resuming after " + FormatByteSize(start_bytes_) + " (chunk " +
              std::to_string(resume_chunk_) + " of " + std::to_string(chunk_count_) + ")";
    }
    line += ": expected to take " +
            (rate > 0 ? "about " + FormatDuration(static_cast<double>(source_bytes_needed_) / rate)
                      : std::string("an unknown time")) +
            " at that rate";
    Say(line);
    if (!own_transforms_.empty()) Say("guarantee: " + guarantee_);
    summary_["measured_source_rate"] = rate;

    std::vector<PipelineTarget> pts;
    for (Target& t : targets_) pts.push_back({t.destination.get(), t.writer.get()});
    PipelineConfig pc;
    pc.pad_size = o_.size;
    pc.chunk_size = o_.chunk_size;
    pc.start_chunk = resume_chunk_;
    pc.queue_depth = o_.queue_depth;
    pc.sync_bytes = o_.sync_every;
    pc.hooks = hooks_.io;
    gen_start_ = Clock::now();
    for (const StreamStats& st : source_->Stats())
      baseline_per_stream_.push_back(st.bytes_accepted);
    std::unique_ptr<ProgressLine> bar;
    if (ui_.progress && !ui_.quiet) {
      bar = std::make_unique<ProgressLine>(ui_.err, [this] { return RenderProgress(); });
    }
    Result<PipelineResult> r =
        RunPipeline(pc, *source_, transforms_, hooks_.observer, pts, &progress_, cancel_);
    if (bar) bar->Stop();
    source_->Stop();
    gen_seconds = std::chrono::duration<double>(Clock::now() - gen_start_).count();
    summary_["generate_seconds"] = gen_seconds;
    summary_["sources"] = SourcesJson(gen_seconds);
    uint64_t durable = chunk_count_;
    for (const Target& t : targets_) durable = std::min(durable, t.writer->chunks_written());
    summary_["chunks_durable"] = durable;
    const std::string safe = std::to_string(durable) + " of " + std::to_string(chunk_count_) +
                             " chunks are durable on every copy";
    if (!r.ok()) {
      if (durable == 0) {
        // Nothing was written: remove what this run created instead of leaving an empty
        // preallocated pad behind.
        RemoveCreated();
        return Finish(kExitFailed, r.status().WithContext("no pad was written"));
      }
      return Finish(kExitFailed, r.status().WithContext(safe + "; " + ResumeAdvice()));
    }
    if (r->cancelled || !r->complete) {
      return Finish(kExitInterrupted,
                    Status::Failed("interrupted: " + safe + "; " + ResumeAdvice()));
    }
    summary_["pad_id"] = HexEncode(r->pad_id);
    summary_["rate_bytes_per_second"] =
        gen_seconds > 0 ? static_cast<double>(remaining) / gen_seconds : 0.0;
  } else {
    Say("the pad at " + who + " is already complete; " +
        (o_.verify ? std::string("verifying it") : std::string("nothing to write")));
    summary_["pad_id"] = HexEncode(targets_[0].manifest->pad_id);
    summary_["chunks_durable"] = chunk_count_;
  }
  for (Target& t : targets_) t.writer.reset();
  for (Target& t : targets_) t.destination.reset();  // unlock and close before reading back

  if (hooks_.after_write) hooks_.after_write();

  // Verification.
  summary_["verified"] = false;
  if (o_.verify) {
    std::atomic<uint64_t> verified{0};
    VerifyOptions vo;
    vo.hooks = hooks_.io;
    vo.bytes_verified = &verified;
    vo.cancel = &cancel_;
    std::vector<DestinationSpec> specs;
    for (const Target& t : targets_) specs.push_back(t.spec);
    const auto vstart = Clock::now();
    std::unique_ptr<ProgressLine> bar;
    if (ui_.progress && !ui_.quiet) {
      const uint64_t total = o_.size * targets_.size();
      bar = std::make_unique<ProgressLine>(ui_.err, [&] {
        uint64_t v = verified.load();
        double secs = std::chrono::duration<double>(Clock::now() - vstart).count();
        return "verifying " + ProgressBar(static_cast<double>(v) / total, 24) + " " +
               FormatByteSize(v) + "/" + FormatByteSize(total) + " " +
               FormatRate(secs > 0 ? v / secs : 0);
      });
    }
    Result<padstore::Digest128> id = VerifyPads(env_, specs, vo);
    if (bar) bar->Stop();
    summary_["verify_seconds"] = std::chrono::duration<double>(Clock::now() - vstart).count();
    if (!id.ok()) {
      if (cancel_.load()) {
        return Finish(kExitInterrupted,
                      Status::Failed("interrupted while verifying; the pad is complete: " +
                                     ResumeAdvice() + " (it verifies and registers)"));
      }
      return Finish(kExitVerifyFailed, id.status());
    }
    summary_["verified"] = true;
  }

  // Registration (pair mode).
  json registered = json::array();
  if (registrar_ != nullptr) {
    std::vector<ContactRegistration> regs;
    for (const Target& t : targets_) {
      ContactRegistration reg;
      reg.store_dir = t.store;
      reg.user = t.user;
      reg.peer = t.peer;
      reg.direction = t.direction;
      reg.format = o_.format;
      reg.pad = t.spec;
      regs.push_back(std::move(reg));
    }
    s = registrar_->Register(regs);
    if (!s.ok()) {
      return Finish(kExitFailed, s.WithContext("the pad is complete and verified, but "
                                               "registering the contacts failed; fix this and " +
                                               ResumeAdvice() + " (it registers them)"));
    }
    for (const ContactRegistration& r : regs) {
      registered.push_back({{"store", r.store_dir},
                            {"user", r.user},
                            {"contact", r.peer},
                            {"direction", DirectionSign(r.direction)},
                            {"protocol", FormatName(r.format)}});
    }
  }
  summary_["registered"] = registered;
  double total = std::chrono::duration<double>(Clock::now() - job_start).count();
  summary_["duration_seconds"] = total;

  std::string done = "done: " + FormatByteSize(o_.size) + " pad";
  if (!already_complete_) {
    done += " written to " + std::to_string(targets_.size()) + " destinations in " +
            FormatDuration(gen_seconds) + " (" +
            FormatRate(summary_["rate_bytes_per_second"].get<double>()) + ")";
  }
  if (source_) {
    uint64_t failures = 0;
    for (const StreamStats& st : source_->Stats()) failures += st.rct_failures + st.apt_failures;
    if (failures > 0) {
      done += "; " + std::to_string(failures) +
              " HRNG block(s) failed a health test and were discarded";
    }
  }
  done += o_.verify ? ", verified" : ", not verified (--no-verify)";
  if (!registered.empty()) done += ", contacts registered";
  done += "; pad id " + summary_["pad_id"].get<std::string>();
  Say(done);
  return Finish(kExitOk, Status::Ok());
}

}  // namespace

JobOutcome RunJob(const JobOptions& options, const JobUi& ui, const JobHooks& hooks,
                  const std::atomic<bool>& cancel) {
  Job job(options, ui, hooks, cancel);
  return job.Run();
}

}  // namespace otc::padgen
