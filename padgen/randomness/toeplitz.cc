#include "padgen/randomness/toeplitz.h"

#include <gf2x.h>

#include <bit>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "common/coding.h"
#include "padgen/randomness/system_random.h"
#include "padgen/randomness/toeplitz_kernels.h"

namespace otc::padgen {

// Input blocks, seeds and outputs are reinterpreted as little-endian 64-bit words.
static_assert(std::endian::native == std::endian::little,
              "toeplitz.cc assumes a little-endian host");
static_assert(sizeof(unsigned long) == sizeof(uint64_t), "gf2x words must be 64-bit");

namespace {

constexpr size_t kRecordHeaderSize = 1 + 3 + 4 + 4 + 8 + 8;
constexpr size_t kSeedPadWords = 8;  // zero words after the reversed seed (kernel contract)

ToeplitzBackend ResolveBackend(ToeplitzBackend backend) {
  if (backend != ToeplitzBackend::kAuto) return backend;
  if (internal::CpuHasVpclmul()) return ToeplitzBackend::kVpclmul;
  if (internal::CpuHasPclmul()) return ToeplitzBackend::kPclmul;
  return ToeplitzBackend::kGf2x;
}

std::string FormatDouble(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

}  // namespace

Result<ToeplitzParams> DeriveToeplitzParams(uint32_t block_bits, double min_entropy_per_byte,
                                            double epsilon_log2) {
  if (block_bits < kMinBlockBits || block_bits > kMaxBlockBits || block_bits % 64 != 0) {
    return Status::InvalidArgument(
        "block size " + std::to_string(block_bits) + " bits is not a multiple of 64 in [" +
        std::to_string(kMinBlockBits) + ", " + std::to_string(kMaxBlockBits) + "]");
  }
  if (!(min_entropy_per_byte > 0 && min_entropy_per_byte <= 8)) {
    return Status::InvalidArgument("min-entropy " + FormatDouble(min_entropy_per_byte) +
                                   " bits/byte is outside (0, 8]: pass the value otc-entropy "
                                   "suggests for the source");
  }
  if (!(epsilon_log2 > 0 && epsilon_log2 <= 1024)) {
    return Status::InvalidArgument("epsilon 2^-" + FormatDouble(epsilon_log2) +
                                   " is outside [2^-1024, 1): pass e.g. --epsilon 2^-64");
  }
  const double entropy_bits = std::floor(block_bits * min_entropy_per_byte / 8.0);
  const double lhl_bits = entropy_bits - std::ceil(2.0 * epsilon_log2);
  const double m = std::floor(lhl_bits / 8.0) * 8.0;
  if (m < 8) {
    return Status::InvalidArgument(
        "a " + std::to_string(block_bits) + "-bit block at " + FormatDouble(min_entropy_per_byte) +
        " bits/byte of min-entropy yields no output at epsilon 2^-" + FormatDouble(epsilon_log2) +
        ": raise the block size or loosen --epsilon");
  }
  ToeplitzParams p;
  p.block_bits = block_bits;
  p.min_entropy_per_byte = min_entropy_per_byte;
  p.epsilon_log2 = epsilon_log2;
  p.output_bits = static_cast<uint32_t>(m);
  return p;
}

Result<double> ParseEpsilon(std::string_view text) {
  auto bad = [&]() {
    return Status::InvalidArgument("epsilon '" + std::string(text) +
                                   "' is not 2^-K (K > 0) or a number in (0, 1), e.g. 2^-64");
  };
  std::string s(text);
  for (std::string_view prefix : {"2^-", "2**-"}) {
    if (s.rfind(prefix, 0) == 0) {
      std::string rest = s.substr(prefix.size());
      if (rest.empty()) return bad();
      char* end = nullptr;
      double k = std::strtod(rest.c_str(), &end);
      if (end != rest.c_str() + rest.size() || !std::isfinite(k) || !(k > 0)) return bad();
      return k;
    }
  }
  if (s.empty()) return bad();
  char* end = nullptr;
  double eps = std::strtod(s.c_str(), &end);
  if (end != s.c_str() + s.size() || !(eps > 0 && eps < 1)) return bad();
  return -std::log2(eps);
}

bool ToeplitzBackendAvailable(ToeplitzBackend backend) {
  switch (backend) {
    case ToeplitzBackend::kAuto:
    case ToeplitzBackend::kGf2x:
      return true;
    case ToeplitzBackend::kPclmul:
      return internal::CpuHasPclmul();
    case ToeplitzBackend::kVpclmul:
      return internal::CpuHasVpclmul();
  }
  return false;
}

std::string_view ToeplitzBackendName(ToeplitzBackend backend) {
  switch (backend) {
    case ToeplitzBackend::kAuto:
      return "auto";
    case ToeplitzBackend::kGf2x:
      return "gf2x";
    case ToeplitzBackend::kPclmul:
      return "pclmul";
    case ToeplitzBackend::kVpclmul:
      return "vpclmul";
  }
  return "?";
}

// Per-extractor buffers. `words` holds the block (gf2x path) and the output words, which
// are pad: it is a SecretBuffer, wiped on reuse and release.
struct ToeplitzExtractor::Scratch {
  std::vector<uint64_t> reversed_seed;  // L words reversed, then kSeedPadWords zeros
  std::vector<uint64_t> seed_words;     // L words in order (gf2x path)
  size_t L = 0, N = 0, M = 0;
  SecretBuffer block_words;    // N words (gf2x path)
  SecretBuffer product_words;  // L + N words (gf2x path)
  SecretBuffer out_words;      // M words
  gf2x_mul_pool_t pool;
  Scratch() { gf2x_mul_pool_init(pool); }
  ~Scratch() { gf2x_mul_pool_clear(pool); }
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;
};

ToeplitzExtractor::ToeplitzExtractor(const ToeplitzParams& params, std::vector<uint8_t> seed,
                                     ToeplitzBackend backend)
    : params_(params),
      seed_(std::move(seed)),
      backend_(ResolveBackend(backend)),
      scratch_(std::make_unique<Scratch>()) {
  Scratch& s = *scratch_;
  s.N = params_.block_bits / 64;
  s.M = (params_.output_bits + 63) / 64;
  s.L = s.N + s.M + 1;
  s.seed_words.assign(s.L, 0);
  std::memcpy(s.seed_words.data(), seed_.data(), seed_.size());
  s.reversed_seed.assign(s.L + kSeedPadWords, 0);
  for (size_t t = 0; t < s.L; ++t) s.reversed_seed[t] = s.seed_words[s.L - 1 - t];
  s.out_words.Resize(s.M * 8);
  if (backend_ == ToeplitzBackend::kGf2x) {
    s.block_words.Resize(s.N * 8);
    s.product_words.Resize((s.L + s.N) * 8);
  }
}

ToeplitzExtractor::ToeplitzExtractor(ToeplitzExtractor&&) noexcept = default;
ToeplitzExtractor& ToeplitzExtractor::operator=(ToeplitzExtractor&&) noexcept = default;
ToeplitzExtractor::~ToeplitzExtractor() = default;

Result<ToeplitzExtractor> ToeplitzExtractor::FromSeed(const ToeplitzParams& params,
                                                      std::span<const uint8_t> seed,
                                                      ToeplitzBackend backend) {
  Result<ToeplitzParams> checked =
      DeriveToeplitzParams(params.block_bits, params.min_entropy_per_byte, params.epsilon_log2);
  if (!checked.ok()) return checked.status();
  if (checked->output_bits != params.output_bits) {
    return Status::InvalidArgument("Toeplitz output_bits " + std::to_string(params.output_bits) +
                                   " does not match the parameters (expected " +
                                   std::to_string(checked->output_bits) +
                                   "): build them with DeriveToeplitzParams");
  }
  if (seed.size() != params.seed_bytes()) {
    return Status::InvalidArgument("Toeplitz seed is " + std::to_string(seed.size()) +
                                   " bytes, expected " + std::to_string(params.seed_bytes()));
  }
  const unsigned used = params.seed_bits() % 8;
  if (used != 0 && (seed.back() >> used) != 0) {
    return Status::InvalidArgument("Toeplitz seed has bits set past bit " +
                                   std::to_string(params.seed_bits()));
  }
  if (!ToeplitzBackendAvailable(backend)) {
    return Status::Unsupported("this CPU lacks the " + std::string(ToeplitzBackendName(backend)) +
                               " instructions; use the auto backend");
  }
  return ToeplitzExtractor(params, std::vector<uint8_t>(seed.begin(), seed.end()), backend);
}

Result<ToeplitzExtractor> ToeplitzExtractor::Create(const ToeplitzParams& params,
                                                    ToeplitzBackend backend) {
  if (params.output_bits == 0) {
    return Status::InvalidArgument("Toeplitz parameters not derived: use DeriveToeplitzParams");
  }
  std::vector<uint8_t> seed(params.seed_bytes());
  if (Status st = FillFromGetrandom(seed); !st.ok()) {
    return st.WithContext("drawing the Toeplitz seed");
  }
  const unsigned used = params.seed_bits() % 8;
  if (used != 0) seed.back() &= static_cast<uint8_t>((1u << used) - 1);
  return FromSeed(params, seed, backend);
}

std::vector<uint8_t> ToeplitzExtractor::Serialize() const {
  std::vector<uint8_t> out(kRecordHeaderSize + seed_.size(), 0);
  out[0] = kToeplitzRecordVersion;
  EncodeFixed32(&out[4], params_.block_bits);
  EncodeFixed32(&out[8], params_.output_bits);
  EncodeFixed64(&out[12], std::bit_cast<uint64_t>(params_.min_entropy_per_byte));
  EncodeFixed64(&out[20], std::bit_cast<uint64_t>(params_.epsilon_log2));
  std::memcpy(out.data() + kRecordHeaderSize, seed_.data(), seed_.size());
  return out;
}

Result<ToeplitzExtractor> ToeplitzExtractor::Deserialize(std::span<const uint8_t> record,
                                                         ToeplitzBackend backend) {
  if (record.size() < kRecordHeaderSize) {
    return Status::Corruption("Toeplitz record is truncated (" + std::to_string(record.size()) +
                              " bytes)");
  }
  if (record[0] != kToeplitzRecordVersion) {
    return Status::Unsupported("Toeplitz record version " + std::to_string(record[0]) +
                               " is newer than this otc understands; upgrade otc");
  }
  if (record[1] != 0 || record[2] != 0 || record[3] != 0) {
    return Status::Corruption("Toeplitz record has non-zero reserved bytes");
  }
  const uint32_t n = DecodeFixed32(&record[4]);
  const uint32_t m = DecodeFixed32(&record[8]);
  const double h = std::bit_cast<double>(DecodeFixed64(&record[12]));
  const double k = std::bit_cast<double>(DecodeFixed64(&record[20]));
  Result<ToeplitzParams> params = DeriveToeplitzParams(n, h, k);
  if (!params.ok()) {
    return Status::Corruption("Toeplitz record has invalid parameters: " +
                              params.status().message());
  }
  if (params->output_bits != m) {
    return Status::Corruption("Toeplitz record output_bits " + std::to_string(m) +
                              " does not match its parameters (expected " +
                              std::to_string(params->output_bits) + ")");
  }
  std::span<const uint8_t> seed = record.subspan(kRecordHeaderSize);
  if (seed.size() != params->seed_bytes()) {
    return Status::Corruption("Toeplitz record seed is " + std::to_string(seed.size()) +
                              " bytes, expected " + std::to_string(params->seed_bytes()));
  }
  Result<ToeplitzExtractor> ex = FromSeed(*params, seed, backend);
  if (!ex.ok() && ex.status().code() == Status::Code::kInvalidArgument) {
    return Status::Corruption("Toeplitz record: " + ex.status().message());
  }
  return ex;
}

void ToeplitzExtractor::ExtractUnchecked(const uint8_t* block, uint8_t* out) {
  Scratch& s = *scratch_;
  uint64_t* y = reinterpret_cast<uint64_t*>(s.out_words.data());
  switch (backend_) {
    case ToeplitzBackend::kVpclmul:
      internal::MiddleProductVpclmul(s.reversed_seed.data(), s.L, block, s.N, s.M, y);
      break;
    case ToeplitzBackend::kPclmul:
      internal::MiddleProductPclmul(s.reversed_seed.data(), s.L, block, s.N, s.M, y);
      break;
    case ToeplitzBackend::kAuto:  // resolved in the constructor
    case ToeplitzBackend::kGf2x: {
      auto* x = reinterpret_cast<unsigned long*>(s.block_words.data());
      auto* c = reinterpret_cast<unsigned long*>(s.product_words.data());
      std::memcpy(x, block, s.N * 8);
      gf2x_mul_r(c, reinterpret_cast<const unsigned long*>(s.seed_words.data()), s.L, x, s.N,
                 s.pool);
      for (size_t i = 0; i < s.M; ++i) y[i] = (c[s.N - 1 + i] >> 63) | (c[s.N + i] << 1);
      break;
    }
  }
  std::memcpy(out, y, params_.output_block_bytes());
}

Status ToeplitzExtractor::Extract(std::span<const uint8_t> block, std::span<uint8_t> out) {
  if (block.size() != params_.input_block_bytes() || out.size() != params_.output_block_bytes()) {
    return Status::InvalidArgument(
        "Toeplitz extract needs a " + std::to_string(params_.input_block_bytes()) +
        "-byte block and a " + std::to_string(params_.output_block_bytes()) + "-byte output, got " +
        std::to_string(block.size()) + " and " + std::to_string(out.size()));
  }
  ExtractUnchecked(block.data(), out.data());
  return Status::Ok();
}

Status ToeplitzExtractor::ExtractBlocks(std::span<const uint8_t> in, std::span<uint8_t> out) {
  const size_t ib = params_.input_block_bytes();
  const size_t ob = params_.output_block_bytes();
  if (in.size() % ib != 0 || out.size() != in.size() / ib * ob) {
    return Status::InvalidArgument("Toeplitz input of " + std::to_string(in.size()) +
                                   " bytes is not whole " + std::to_string(ib) +
                                   "-byte blocks, or the output is not " + std::to_string(ob) +
                                   " bytes per block");
  }
  for (size_t b = 0; b < in.size() / ib; ++b) ExtractUnchecked(&in[b * ib], &out[b * ob]);
  return Status::Ok();
}

}  // namespace otc::padgen
