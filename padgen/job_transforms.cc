// The source of a padgen run and what is done to its bytes (job_steps.h): the source
// named by the options, the extractor and mixer, what they guarantee, and the manifest
// extension that records them so that --resume can check it continues the same way.
#include <algorithm>
#include <cstring>

#include "padgen/job_steps.h"
#include "padgen/mix_transform.h"
#include "padgen/random_source.h"
#include "padgen/randomness/manifest_extension.h"
#include "padgen/stream_source.h"
#include "padgen/toeplitz_transform.h"

namespace otc::padgen {
namespace {

constexpr const char* kGenerator = "otc padgen 0.1.0";

std::string GuaranteeOf(const JobOptions& o, const std::string& extraction_guarantee) {
  const bool getrandom = o.hrngs.empty() && (o.source.empty() || o.source == "random");
  const bool drbg = o.hrngs.empty() && o.source == "drbg";
  if (getrandom) return "computational only: the kernel CSPRNG (getrandom)";
  if (drbg) return "computational only: OpenSSL's CTR_DRBG (AES-256) seeded from getrandom";
  if (!extraction_guarantee.empty() && o.mix) {
    return extraction_guarantee +
           "; otherwise, or if that bound is wrong, at least getrandom's computational "
           "security, provided the source and the kernel are independent";
  }
  if (!extraction_guarantee.empty()) return extraction_guarantee;
  if (o.mix) {
    return "at least as unpredictable as the better of the source and getrandom "
           "(computational), provided they are independent; nothing information-theoretic "
           "without --extract";
  }
  return "none stated: raw source bytes, as good as the source (use --extract toeplitz "
         "--min-entropy H for an information-theoretic guarantee)";
}

// Whether one of the transforms records entries with `tag` in the manifest.
bool Claimed(const std::vector<Transform*>& transforms, uint16_t tag) {
  for (Transform* tr : transforms) {
    for (const ExtensionEntry& e : tr->ManifestEntries()) {
      if (e.tag == tag) return true;
    }
  }
  return false;
}

// A manifest records post-processing that this run would not do.
Status CheckNothingUnclaimed(const Target& t, const std::vector<ExtensionEntry>& entries,
                             const std::vector<Transform*>& transforms) {
  if (std::optional<ExtensionEntry> e = FindExtensionEntry(entries, kTagToeplitz);
      e && !Claimed(transforms, kTagToeplitz)) {
    Result<ToeplitzExtractor> x = ToeplitzExtractor::Deserialize(e->value);
    std::string flags;
    if (x.ok()) flags.append(" ").append(ToeplitzFlags(x->params()));
    return Status::InvalidArgument(t.spec.label +
                                   ": this pad was generated with --extract "
                                   "toeplitz" +
                                   flags + "; resume it with the same flags");
  }
  if (FindExtensionEntry(entries, kTagGetrandomMix) && !Claimed(transforms, kTagGetrandomMix)) {
    return Status::InvalidArgument(t.spec.label +
                                   ": this pad was generated with --mix; resume it with --mix");
  }
  return Status::Ok();
}

}  // namespace

Result<std::unique_ptr<PadSource>> MakeSource(const JobContext& ctx, FileSource** file_source) {
  const JobOptions& o = ctx.options;
  if (ctx.hooks.make_source) return ctx.hooks.make_source();
  if (!o.hrngs.empty()) {
    StreamSourceOptions so;
    so.kind = "hrng";
    so.health_tests = true;
    so.health = o.health;
    so.block_size = o.hrng_block;
    Result<std::unique_ptr<StreamSource>> s = StreamSource::Open(o.hrngs, so);
    if (!s.ok()) return s.status();
    return std::unique_ptr<PadSource>(std::move(*s));
  }
  if (o.source.rfind("file:", 0) == 0) {
    Result<std::unique_ptr<FileSource>> s = FileSource::Open(o.source.substr(5));
    if (!s.ok()) return s.status();
    *file_source = s->get();
    return std::unique_ptr<PadSource>(std::move(*s));
  }
  return std::unique_ptr<PadSource>(new RandomSource(
      o.threads, o.source == "drbg" ? RandomGenerator::kDrbg : RandomGenerator::kGetrandom));
}

Result<SourceChain> BuildTransforms(const JobContext& ctx) {
  const JobOptions& o = ctx.options;
  SourceChain chain;
  if (!ctx.hooks.transforms.empty()) {
    chain.transforms = ctx.hooks.transforms;
    chain.guarantee = "set by the test's transforms";
    return chain;
  }
  std::string extraction_guarantee;
  if (o.extract == "toeplitz") {
    double k = kDefaultEpsilonLog2;
    if (!o.epsilon.empty()) {
      Result<double> e = ParseEpsilon(o.epsilon);
      if (!e.ok()) return e.status();
      k = *e;
    }
    Result<ToeplitzParams> p = DeriveToeplitzParams(o.extract_block_bits, o.health.min_entropy, k);
    if (!p.ok()) return p.status();
    Result<std::unique_ptr<ToeplitzTransform>> t = ToeplitzTransform::Create(*p);
    if (!t.ok()) return t.status().WithContext("--extract toeplitz: drawing the seed");
    chain.processing += ", then " + DescribeToeplitz(*p);
    extraction_guarantee =
        "information-theoretic: every output block is within eps of uniform against an "
        "unbounded adversary, provided every input block of the source has at least H "
        "(--min-entropy) bits/byte of min-entropy";
    chain.extraction =
        ExtractionSummary{p->block_bits, p->output_bits, p->min_entropy_per_byte, p->epsilon_log2};
    chain.own_transforms.push_back(std::move(*t));
  }
  if (o.mix) {
    chain.processing += ", then XOR with getrandom (--mix)";
    chain.own_transforms.push_back(std::make_unique<MixTransform>());
  }
  for (auto& t : chain.own_transforms) chain.transforms.push_back(t.get());
  chain.guarantee = GuaranteeOf(o, extraction_guarantee);
  return chain;
}

Result<std::vector<uint8_t>> BuildExtension(const SourceChain& chain) {
  std::vector<ExtensionEntry> entries = {
      {kTagGenerator, std::vector<uint8_t>(kGenerator, kGenerator + std::strlen(kGenerator))}};
  std::string source = chain.source->Describe() + chain.processing;
  entries.push_back({kTagSource, std::vector<uint8_t>(source.begin(), source.end())});
  for (Transform* tr : chain.transforms) {
    for (ExtensionEntry& e : tr->ManifestEntries()) entries.push_back(std::move(e));
  }
  // The format wants strictly increasing tags (manifest_extension.h).
  std::stable_sort(entries.begin(), entries.end(),
                   [](const ExtensionEntry& a, const ExtensionEntry& b) { return a.tag < b.tag; });
  return EncodeExtension(entries);
}

Status RestoreTransforms(const std::vector<Target>& targets, const SourceChain& chain) {
  std::vector<ExtensionEntry> first;
  std::string first_label;
  for (const Target& t : targets) {
    if (!t.manifest) continue;
    Result<std::vector<ExtensionEntry>> entries = DecodeExtension(t.manifest->extension);
    if (!entries.ok()) return entries.status().WithContext(t.spec.manifest_path);
    for (Transform* tr : chain.transforms) {
      Status s = tr->Restore(*entries);
      if (!s.ok()) return s.WithContext(t.spec.label + ": cannot resume with " + tr->Name());
    }
    Status s = CheckNothingUnclaimed(t, *entries, chain.transforms);
    if (!s.ok()) return s;
    // Post-processing entries (tags below kTagGenerator) must agree between copies.
    std::vector<ExtensionEntry> mine;
    for (const ExtensionEntry& e : *entries) {
      if (e.tag < kTagGenerator) mine.push_back(e);
    }
    if (first_label.empty()) {
      first = std::move(mine);
      first_label = t.spec.label;
      continue;
    }
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
  return Status::Ok();
}

}  // namespace otc::padgen
