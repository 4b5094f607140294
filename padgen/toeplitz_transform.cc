#include "padgen/toeplitz_transform.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>

#include "common/secret_buffer.h"

namespace otc::padgen {

struct ToeplitzTransform::Worker {
  explicit Worker(ToeplitzExtractor e) : extractor(std::move(e)) {}
  ToeplitzExtractor extractor;
  SecretBuffer tail;  // one output block, for a chunk that ends inside a block
};

namespace {

// The shortest text that reads back as exactly `v` (so a suggested flag matches the
// stored value).
std::string Num(double v) {
  char buf[40];
  for (int precision = 1; precision <= 17; ++precision) {
    std::snprintf(buf, sizeof buf, "%.*g", precision, v);
    if (std::strtod(buf, nullptr) == v) break;
  }
  return buf;
}

}  // namespace

ToeplitzTransform::ToeplitzTransform(const ToeplitzParams& params, std::vector<uint8_t> seed)
    : params_(params), seed_(std::move(seed)) {}

ToeplitzTransform::~ToeplitzTransform() = default;

Result<std::unique_ptr<ToeplitzTransform>> ToeplitzTransform::Create(const ToeplitzParams& params) {
  Result<ToeplitzExtractor> e = ToeplitzExtractor::Create(params);
  if (!e.ok()) return e.status();
  std::span<const uint8_t> seed = e->seed();
  std::unique_ptr<ToeplitzTransform> t(
      new ToeplitzTransform(e->params(), std::vector<uint8_t>(seed.begin(), seed.end())));
  t->idle_.push_back(std::make_unique<Worker>(std::move(*e)));
  return t;
}

Result<std::unique_ptr<ToeplitzTransform>> ToeplitzTransform::FromSeed(
    const ToeplitzParams& params, std::span<const uint8_t> seed) {
  Result<ToeplitzExtractor> e = ToeplitzExtractor::FromSeed(params, seed);
  if (!e.ok()) return e.status();
  std::unique_ptr<ToeplitzTransform> t(
      new ToeplitzTransform(e->params(), std::vector<uint8_t>(seed.begin(), seed.end())));
  t->idle_.push_back(std::make_unique<Worker>(std::move(*e)));
  return t;
}

std::span<const uint8_t> ToeplitzTransform::seed() const { return seed_; }

uint64_t ToeplitzTransform::InputBytes(uint64_t output_bytes) const {
  const uint64_t o = params_.output_block_bytes();
  return (output_bytes + o - 1) / o * params_.input_block_bytes();
}

Status ToeplitzTransform::Apply(uint64_t, std::span<const uint8_t> in, std::span<uint8_t> out) {
  if (in.size() != InputBytes(out.size())) {
    return Status::Internal("Toeplitz transform got " + std::to_string(in.size()) +
                            " input bytes for " + std::to_string(out.size()) +
                            " output bytes; expected " + std::to_string(InputBytes(out.size())));
  }
  std::unique_ptr<Worker> w;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!idle_.empty()) {
      w = std::move(idle_.back());
      idle_.pop_back();
    }
  }
  if (!w) {
    Result<ToeplitzExtractor> e = ToeplitzExtractor::FromSeed(params_, seed_);
    if (!e.ok()) return e.status();
    w = std::make_unique<Worker>(std::move(*e));
  }
  const size_t ib = params_.input_block_bytes();
  const size_t ob = params_.output_block_bytes();
  const size_t whole = out.size() / ob;
  const size_t rest = out.size() % ob;
  Status s = w->extractor.ExtractBlocks(in.first(whole * ib), out.first(whole * ob));
  if (s.ok() && rest > 0) {
    if (w->tail.size() != ob) w->tail.Resize(ob);
    s = w->extractor.Extract(in.subspan(whole * ib, ib), w->tail.span());
    if (s.ok()) std::memcpy(out.data() + whole * ob, w->tail.data(), rest);
    Wipe(w->tail.span());
  }
  std::lock_guard<std::mutex> lock(mu_);
  idle_.push_back(std::move(w));
  return s;
}

std::vector<ExtensionEntry> ToeplitzTransform::ManifestEntries() const {
  Result<ToeplitzExtractor> e = ToeplitzExtractor::FromSeed(params_, seed_);
  if (!e.ok()) return {};  // cannot happen: the seed was accepted when this was built
  return {{kTagToeplitz, e->Serialize()}};
}

Status ToeplitzTransform::Restore(const std::vector<ExtensionEntry>& entries) {
  std::optional<ExtensionEntry> entry = FindExtensionEntry(entries, kTagToeplitz);
  if (!entry) {
    return Status::InvalidArgument(
        "this pad was generated without --extract (its manifest has no Toeplitz seed); resume "
        "it without --extract toeplitz");
  }
  Result<ToeplitzExtractor> e = ToeplitzExtractor::Deserialize(entry->value);
  if (!e.ok()) return e.status().WithContext("the manifest's Toeplitz record");
  const ToeplitzParams& stored = e->params();
  if (stored.block_bits != params_.block_bits ||
      stored.min_entropy_per_byte != params_.min_entropy_per_byte ||
      stored.epsilon_log2 != params_.epsilon_log2) {
    return Status::InvalidArgument("this pad was extracted with " + ToeplitzFlags(stored) +
                                   ", not " + ToeplitzFlags(params_) + "; resume with " +
                                   ToeplitzFlags(stored));
  }
  std::span<const uint8_t> seed = e->seed();
  std::lock_guard<std::mutex> lock(mu_);
  seed_.assign(seed.begin(), seed.end());
  idle_.clear();
  idle_.push_back(std::make_unique<Worker>(std::move(*e)));
  return Status::Ok();
}

std::string ToeplitzFlags(const ToeplitzParams& p) {
  std::string f =
      "--min-entropy " + Num(p.min_entropy_per_byte) + " --epsilon 2^-" + Num(p.epsilon_log2);
  if (p.block_bits != kDefaultBlockBits) {
    f += " --extract-block-bits " + std::to_string(p.block_bits);
  }
  return f;
}

std::string DescribeToeplitz(const ToeplitzParams& p) {
  return "Toeplitz extraction (" + std::to_string(p.input_block_bytes()) + "-byte blocks -> " +
         std::to_string(p.output_block_bytes()) + " bytes, H = " + Num(p.min_entropy_per_byte) +
         " bits/byte, eps = 2^-" + Num(p.epsilon_log2) + " per block)";
}

}  // namespace otc::padgen
