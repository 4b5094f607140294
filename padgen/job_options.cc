// Checking JobOptions before anything touches the file system (job.h).
#include <string>

#include "padgen/job.h"
#include "padgen/randomness/entropy_estimate.h"
#include "padgen/randomness/toeplitz.h"
#include "padstore/uid.h"

namespace otc::padgen {
namespace {

constexpr uint64_t kMinChunk = 4096;
constexpr uint64_t kMaxChunk = uint64_t{1} << 30;

Status ValidateSourceSpec(const JobOptions& o) {
  if (!o.hrngs.empty() && !o.source.empty()) {
    return Status::InvalidArgument(
        "--hrng and --source are alternatives: give --hrng DEV (repeatable) for hardware RNGs, "
        "or --source random|drbg|file:PATH");
  }
  if (!o.source.empty() && o.source != "random" && o.source != "drbg" &&
      o.source.rfind("file:", 0) != 0) {
    return Status::InvalidArgument("unknown --source '" + o.source +
                                   "': use --source random, drbg or file:PATH");
  }
  if (o.source == "file:") {
    return Status::InvalidArgument("--source file: needs a path, e.g. --source file:/dev/shm/rnd");
  }
  for (const std::string& h : o.hrngs) {
    if (h.empty()) return Status::InvalidArgument("--hrng needs a device path, e.g. /dev/hwrng");
  }
  return Status::Ok();
}

constexpr uint64_t kMaxAssessBytes = uint64_t{1} << 30;

Status ValidateRandomness(const JobOptions& o) {
  // A CSPRNG source: getrandom, or OpenSSL's DRBG seeded from it.
  const bool csprng =
      o.hrngs.empty() && (o.source.empty() || o.source == "random" || o.source == "drbg");
  if (!o.extract.empty() && o.extract != "toeplitz") {
    return Status::InvalidArgument("unknown --extract '" + o.extract +
                                   "': the only extractor is --extract toeplitz");
  }
  if (!o.epsilon.empty() && o.extract.empty()) {
    return Status::InvalidArgument(
        "--epsilon is the extractor's error bound: give it with --extract toeplitz, or drop it");
  }
  if (o.extract_block_bits != kDefaultBlockBits && o.extract.empty()) {
    return Status::InvalidArgument(
        "--extract-block-bits is the extractor's block size: give it with --extract toeplitz, "
        "or drop it");
  }
  if (!o.extract.empty()) {
    if (csprng) {
      return Status::InvalidArgument(
          "--extract is for hardware or file sources (--hrng DEV or --source file:PATH); the "
          "random (getrandom) and drbg sources are CSPRNGs whose output extraction cannot improve");
    }
    if (!o.min_entropy_given) {
      return Status::InvalidArgument(
          "--extract toeplitz needs --min-entropy H, the source's min-entropy in bits per byte "
          "(run otc-entropy on the source, or add --assess, to estimate it)");
    }
    double k = kDefaultEpsilonLog2;
    if (!o.epsilon.empty()) {
      Result<double> e = ParseEpsilon(o.epsilon);
      if (!e.ok()) return e.status().WithContext("--epsilon");
      k = *e;
    }
    Result<ToeplitzParams> p = DeriveToeplitzParams(o.extract_block_bits, o.health.min_entropy, k);
    if (!p.ok()) {
      return Status::InvalidArgument(
          "--extract toeplitz: " + p.status().message() +
          " (the block size is --extract-block-bits, --min-entropy is H)");
    }
  }
  if (o.mix && csprng) {
    return Status::InvalidArgument(
        "--mix XORs a hardware or file source with getrandom, and the source is a CSPRNG "
        "seeded from getrandom already: drop --mix, or give --hrng DEV or --source file:PATH");
  }
  if (o.assess_bytes_given && !o.assess) {
    return Status::InvalidArgument("--assess-bytes is the --assess sample size: add --assess");
  }
  if (o.assess && (o.assess_bytes < kMinAssessBytes || o.assess_bytes > kMaxAssessBytes)) {
    return Status::InvalidArgument("--assess-bytes must be between " +
                                   std::to_string(kMinAssessBytes) + " bytes and 1G (default 1M)");
  }
  return Status::Ok();
}

}  // namespace

Status ValidateJobOptions(const JobOptions& o) {
  if (o.size == 0) {
    return Status::InvalidArgument("--size must be positive, e.g. --size 64M or --size 1T");
  }
  if (!o.users.empty() && o.size > kMaxPadSize) {
    // The package index keeps its top 16 bits for the pad generation.
    return Status::InvalidArgument("--size for a contact's pad is at most 256T (2^48 bytes)");
  }
  if (o.chunk_size < kMinChunk || o.chunk_size > kMaxChunk || o.chunk_size % kMinChunk != 0) {
    return Status::InvalidArgument(
        "--chunk-size must be a multiple of 4K between 4K and 1G (default 4M)");
  }
  if (o.users.empty() && o.outputs.empty()) {
    return Status::InvalidArgument(
        "no destination: give --user NAME=DIR twice for a pair pad, or -o FILE for a raw pad");
  }
  if (!o.users.empty() && !o.outputs.empty()) {
    return Status::InvalidArgument(
        "--user and -o are alternatives: a pair pad goes to two padstores (--user), a raw pad "
        "to files (-o)");
  }
  if (!o.users.empty() && o.users.size() != 2) {
    return Status::InvalidArgument("a pair pad needs exactly two --user NAME=DIR (got " +
                                   std::to_string(o.users.size()) +
                                   "); make one pad per pair of users");
  }
  for (const UserDestination& u : o.users) {
    if (Status s = padstore::ValidateUid(u.name, "user name in --user"); !s.ok()) return s;
    if (u.dir.empty()) {
      return Status::InvalidArgument("--user " + u.name + "= needs a directory: --user " + u.name +
                                     "=/media/" + u.name + "/otc");
    }
  }
  if (o.users.size() == 2 && o.users[0].name == o.users[1].name) {
    return Status::InvalidArgument("both --user entries are named '" + o.users[0].name +
                                   "'; a pair pad is shared by two different users");
  }
  for (const std::string& out : o.outputs) {
    if (out.empty()) return Status::InvalidArgument("-o needs a file name");
  }
  if (!o.manifest_dir.empty() && o.outputs.empty()) {
    return Status::InvalidArgument(
        "--manifest-dir is for raw pads (-o); a padstore keeps each manifest with its contact");
  }
  if (o.force && o.resume) {
    return Status::InvalidArgument(
        "--force starts a new pad and --resume continues one; give only one");
  }
  if (o.queue_depth < 1 || o.queue_depth > 256) {
    return Status::InvalidArgument("--queue-depth must be between 1 and 256");
  }
  if (o.threads > 256) return Status::InvalidArgument("--threads must be at most 256");
  if (o.sync_every != 0 && o.sync_every < o.chunk_size) {
    return Status::InvalidArgument("--sync-every must be at least one chunk (--chunk-size)");
  }
  Status s = ValidateSourceSpec(o);
  if (!s.ok()) return s;
  s = ValidateRandomness(o);
  if (!s.ok()) return s;
  if (!o.hrngs.empty()) {
    s = ValidateHealthTestConfig(o.health);
    if (!s.ok()) return s;
  }
  return Status::Ok();
}

}  // namespace otc::padgen
