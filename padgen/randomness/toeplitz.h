// Toeplitz extractor: turns blocks of imperfect hardware randomness into output that is
// epsilon-close to uniform, by the leftover hash lemma (as in QKD privacy amplification).
//
// Each n-bit input block x is multiplied by an m x n binary Toeplitz matrix T over GF(2):
//
//     y_i = XOR_{j<n} T[i][j] & x_j,     T[i][j] = s[i - j + n - 1],   0 <= i < m
//
// where s is a seed of n + m - 1 bits. Toeplitz hashing is 2-universal, so if every input
// block has min-entropy at least n*H/8 bits (H = min-entropy per byte of the source) and
//
//     m <= floor(n*H/8) - 2*log2(1/epsilon)
//
// then (y, s) is epsilon-close in statistical distance to (uniform, s), against an
// unbounded adversary. y_i is coefficient i + n - 1 of the polynomial product s(z)*x(z),
// so Extract computes a carry-less polynomial product (PCLMULQDQ / VPCLMULQDQ, or gf2x's
// gf2x_mul on CPUs without PCLMULQDQ) and keeps the middle m coefficients; nothing runs
// bit by bit.
//
// Parameters (see DeriveToeplitzParams):
//   n  block_bits            a multiple of 64 in [kMinBlockBits, kMaxBlockBits]
//   H  min_entropy_per_byte  in (0, 8]: what the operator vouches for (otc-entropy suggests it)
//   k  epsilon_log2          epsilon = 2^-k, k > 0; default 64 (--epsilon)
//   m  output_bits           floor(n*H/8) - ceil(2k), rounded down to a multiple of 8 so every
//                            block yields whole bytes (dropping bits only lowers epsilon);
//                            must be at least 8
//
// Bit order: bit j of a byte string b is (b[j/8] >> (j%8)) & 1 (least significant first), for
// input blocks, output blocks and the seed alike.
//
// The seed need not be secret, only independent of the source: it is drawn once per pad from
// getrandom(2) and stored in the pad manifest's extension (manifest_extension.h, tag
// kTagToeplitz) as this record value (integers little-endian):
//
//   version       u8     = 1
//   reserved      u8[3]  = 0
//   block_bits    u32    n
//   output_bits   u32    m (a reader recomputes it from n, H, k and rejects a mismatch)
//   min_entropy   u64    H, the IEEE-754 binary64 bit pattern
//   epsilon_log2  u64    k, the IEEE-754 binary64 bit pattern
//   seed          u8[ceil((n + m - 1) / 8)]   s, bit order as above; unused high bits of
//                                             the last byte are zero
//
// Not thread-safe: use one ToeplitzExtractor per thread (it owns scratch buffers).
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

#include "common/secret_buffer.h"
#include "common/status.h"

namespace otc::padgen {

inline constexpr uint32_t kMinBlockBits = 64;
inline constexpr uint32_t kMaxBlockBits = uint32_t{1} << 20;  // 128 KiB blocks
inline constexpr uint32_t kDefaultBlockBits = 4096;           // 512-byte blocks
inline constexpr double kDefaultEpsilonLog2 = 64;             // epsilon = 2^-64 per block
inline constexpr uint8_t kToeplitzRecordVersion = 1;

struct ToeplitzParams {
  uint32_t block_bits = kDefaultBlockBits;    // n
  double min_entropy_per_byte = 0;            // H
  double epsilon_log2 = kDefaultEpsilonLog2;  // k
  uint32_t output_bits = 0;                   // m, derived

  uint32_t seed_bits() const { return block_bits + output_bits - 1; }
  size_t input_block_bytes() const { return block_bits / 8; }
  size_t output_block_bytes() const { return output_bits / 8; }
  size_t seed_bytes() const { return (seed_bits() + 7) / 8; }
};

// Validates n, H, k and derives m as documented above. InvalidArgument names the bad
// parameter and what would fix it (e.g. "raise --block-bits or --min-entropy").
Result<ToeplitzParams> DeriveToeplitzParams(uint32_t block_bits, double min_entropy_per_byte,
                                            double epsilon_log2 = kDefaultEpsilonLog2);

// Parses an --epsilon value: "2^-64" (also "2**-64") or a plain number in (0, 1) such as
// "1e-20". Returns k = log2(1/epsilon).
Result<double> ParseEpsilon(std::string_view text);

// Which multiplication kernel to use. kAuto picks the fastest the CPU supports.
enum class ToeplitzBackend { kAuto, kGf2x, kPclmul, kVpclmul };

bool ToeplitzBackendAvailable(ToeplitzBackend backend);
std::string_view ToeplitzBackendName(ToeplitzBackend backend);

class ToeplitzExtractor {
 public:
  // A new extractor with a fresh seed from getrandom(2).
  static Result<ToeplitzExtractor> Create(const ToeplitzParams& params,
                                          ToeplitzBackend backend = ToeplitzBackend::kAuto);
  // An extractor with a given seed (params.seed_bytes() bytes; unused high bits zero).
  static Result<ToeplitzExtractor> FromSeed(const ToeplitzParams& params,
                                            std::span<const uint8_t> seed,
                                            ToeplitzBackend backend = ToeplitzBackend::kAuto);
  // Rebuilds an extractor from a kTagToeplitz record value (see the format above).
  // Malformed records are Corruption; an unknown version is Unsupported.
  static Result<ToeplitzExtractor> Deserialize(std::span<const uint8_t> record,
                                               ToeplitzBackend backend = ToeplitzBackend::kAuto);

  ToeplitzExtractor(ToeplitzExtractor&&) noexcept;
  ToeplitzExtractor& operator=(ToeplitzExtractor&&) noexcept;
  ~ToeplitzExtractor();

  // The kTagToeplitz record value for the manifest extension.
  std::vector<uint8_t> Serialize() const;

  const ToeplitzParams& params() const { return params_; }
  ToeplitzBackend backend() const { return backend_; }
  // The seed bytes as stored (params().seed_bytes() long).
  std::span<const uint8_t> seed() const { return seed_; }

  // Extracts one block: block.size() must be input_block_bytes() and out.size()
  // output_block_bytes(), else InvalidArgument.
  Status Extract(std::span<const uint8_t> block, std::span<uint8_t> out);

  // Extracts consecutive whole blocks: in.size() must be a multiple of input_block_bytes()
  // and out.size() == in.size() / input_block_bytes() * output_block_bytes().
  Status ExtractBlocks(std::span<const uint8_t> in, std::span<uint8_t> out);

 private:
  struct Scratch;
  ToeplitzExtractor(const ToeplitzParams& params, std::vector<uint8_t> seed,
                    ToeplitzBackend backend);
  void ExtractUnchecked(const uint8_t* block, uint8_t* out);

  ToeplitzParams params_;
  std::vector<uint8_t> seed_;
  ToeplitzBackend backend_;
  std::unique_ptr<Scratch> scratch_;
};

}  // namespace otc::padgen
