// Internal to toeplitz.cc (and its tests/benchmarks): the carry-less middle-product
// kernels behind ToeplitzExtractor.
//
// With the seed s and the block x as polynomials over GF(2) in 64-bit words (word t holds
// coefficients 64t..64t+63, least significant bit first), a kernel writes y[0..M) where y
// word I holds coefficients [64(N-1+I)+63, 64(N+I)+63) of s(z)*x(z), N = n/64 input words.
// Those are output bits 64I..64I+63 of the Toeplitz hash (see toeplitz.h).
//
// Kernels take the seed as `rs`: its L = N + M + 1 words in reverse order (rs[t] =
// s[L-1-t]) followed by at least 8 zero words, so the inner loop reads seed and block in the
// same direction. x is read with unaligned loads straight from the caller's bytes.
#pragma once

#include <cstddef>
#include <cstdint>

namespace otc::padgen::internal {

using MiddleProductFn = void (*)(const uint64_t* rs, size_t L, const uint8_t* x, size_t N, size_t M,
                                 uint64_t* y);

bool CpuHasPclmul();
bool CpuHasVpclmul();

// PCLMULQDQ, two 64x64 products per step. Requires CpuHasPclmul().
void MiddleProductPclmul(const uint64_t* rs, size_t L, const uint8_t* x, size_t N, size_t M,
                         uint64_t* y);
// VPCLMULQDQ on 512-bit vectors, eight 64x64 products per step. Requires CpuHasVpclmul().
void MiddleProductVpclmul(const uint64_t* rs, size_t L, const uint8_t* x, size_t N, size_t M,
                          uint64_t* y);

}  // namespace otc::padgen::internal
