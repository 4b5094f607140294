// Carry-less middle-product kernels for the Toeplitz extractor; see toeplitz_kernels.h.
//
// Column w of the product is C_w = XOR_j s[w-j]*x[j] (a 128-bit carry-less product sum);
// product word P_w = lo(C_w) ^ hi(C_{w-1}); output word I = (P_{N-1+I} >> 63) | (P_{N+I} << 1).
// Only the columns w in [N-2, N-1+M] that feed the kept bits are computed.
#include "padgen/randomness/toeplitz_kernels.h"

#include <immintrin.h>

#include <cstring>

namespace otc::padgen::internal {
namespace {

inline uint64_t Load64(const uint8_t* p) {
  uint64_t v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

}  // namespace

bool CpuHasPclmul() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("pclmul") && __builtin_cpu_supports("sse4.1");
}

bool CpuHasVpclmul() {
  __builtin_cpu_init();
  return CpuHasPclmul() && __builtin_cpu_supports("avx512f") &&
         __builtin_cpu_supports("vpclmulqdq");
}

__attribute__((target("pclmul,sse4.1"))) void MiddleProductPclmul(const uint64_t* rs, size_t L,
                                                                  const uint8_t* x, size_t N,
                                                                  size_t M, uint64_t* y) {
  uint64_t prev_hi = 0;  // hi(C_{w-1})
  uint64_t prev_p = 0;   // P_{w-1}
  for (size_t k = (N >= 2 ? 0 : 1); k <= M + 1; ++k) {
    const size_t w = N - 2 + k;
    const uint64_t* sp = rs + (L - 1 - w);  // sp[j] = s[w - j]
    __m128i acc0 = _mm_setzero_si128();
    __m128i acc1 = _mm_setzero_si128();
    size_t j = 0;
    for (; j + 2 <= N; j += 2) {
      __m128i xv = _mm_loadu_si128(reinterpret_cast<const __m128i*>(x + 8 * j));
      __m128i sv = _mm_loadu_si128(reinterpret_cast<const __m128i*>(sp + j));
      acc0 = _mm_xor_si128(acc0, _mm_clmulepi64_si128(sv, xv, 0x00));
      acc1 = _mm_xor_si128(acc1, _mm_clmulepi64_si128(sv, xv, 0x11));
    }
    if (j < N) {
      __m128i xv = _mm_cvtsi64_si128(static_cast<long long>(Load64(x + 8 * j)));
      __m128i sv = _mm_cvtsi64_si128(static_cast<long long>(sp[j]));
      acc0 = _mm_xor_si128(acc0, _mm_clmulepi64_si128(sv, xv, 0x00));
    }
    __m128i c = _mm_xor_si128(acc0, acc1);
    const uint64_t lo = static_cast<uint64_t>(_mm_cvtsi128_si64(c));
    const uint64_t hi = static_cast<uint64_t>(_mm_extract_epi64(c, 1));
    const uint64_t p = lo ^ prev_hi;
    if (w >= N) y[w - N] = (prev_p >> 63) | (p << 1);
    prev_p = p;
    prev_hi = hi;
  }
}

__attribute__((target("avx512f,vpclmulqdq,pclmul,sse4.1"))) void MiddleProductVpclmul(
    const uint64_t* rs, size_t L, const uint8_t* x, size_t N, size_t M, uint64_t* y) {
  uint64_t prev_hi = 0;
  uint64_t prev_p = 0;
  for (size_t k = (N >= 2 ? 0 : 1); k <= M + 1; ++k) {
    const size_t w = N - 2 + k;
    const uint64_t* sp = rs + (L - 1 - w);
    __m512i acc0 = _mm512_setzero_si512();
    __m512i acc1 = _mm512_setzero_si512();
    size_t j = 0;
    for (; j + 8 <= N; j += 8) {
      __m512i xv = _mm512_loadu_si512(x + 8 * j);
      __m512i sv = _mm512_loadu_si512(sp + j);
      acc0 = _mm512_xor_si512(acc0, _mm512_clmulepi64_epi128(sv, xv, 0x00));
      acc1 = _mm512_xor_si512(acc1, _mm512_clmulepi64_epi128(sv, xv, 0x11));
    }
    // Fold the four 128-bit lanes (through memory: GCC 12 warns spuriously on
    // _mm512_extracti64x4_epi64).
    alignas(64) uint64_t lanes[8];
    _mm512_store_si512(lanes, _mm512_xor_si512(acc0, acc1));
    uint64_t lo = lanes[0] ^ lanes[2] ^ lanes[4] ^ lanes[6];
    uint64_t hi = lanes[1] ^ lanes[3] ^ lanes[5] ^ lanes[7];
    for (; j < N; ++j) {
      __m128i xv = _mm_cvtsi64_si128(static_cast<long long>(Load64(x + 8 * j)));
      __m128i sv = _mm_cvtsi64_si128(static_cast<long long>(sp[j]));
      __m128i c = _mm_clmulepi64_si128(sv, xv, 0x00);
      lo ^= static_cast<uint64_t>(_mm_cvtsi128_si64(c));
      hi ^= static_cast<uint64_t>(_mm_extract_epi64(c, 1));
    }
    const uint64_t p = lo ^ prev_hi;
    if (w >= N) y[w - N] = (prev_p >> 63) | (p << 1);
    prev_p = p;
    prev_hi = hi;
  }
}

}  // namespace otc::padgen::internal
