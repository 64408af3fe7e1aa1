// A 16-float vector type (GCC/Clang vector extensions) and the few operations the CPU ops need.
// With AVX-512 each v16 is one zmm register; on narrower ISAs the compiler splits it into
// 2×AVX2 or 4×SSE operations, so there is one code path. Horizontal reductions add the lanes in
// a fixed order, so results do not depend on the ISA's shuffle tricks.
// Header-only so the loops that use it are inlined and kept in registers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace sembed::ops::cpu::simd {

constexpr size_t kWidth = 16;
typedef float v16 __attribute__((vector_size(64)));
typedef int32_t vi16 __attribute__((vector_size(64)));

inline v16 load(const float* p) {
  v16 v;
  std::memcpy(&v, p, sizeof(v));
  return v;
}
inline void store(float* p, v16 v) { std::memcpy(p, &v, sizeof(v)); }
inline v16 splat(float x) { return v16{} + x; }

inline float hsum(v16 v) {
  // Pairwise tree: (0+8), (4+12), ... then down to one; fixed order independent of the target.
  float s[kWidth];
  std::memcpy(s, &v, sizeof(s));
  for (size_t w = kWidth / 2; w > 0; w /= 2)
    for (size_t l = 0; l < w; ++l) s[l] += s[l + w];
  return s[0];
}

inline float hmax(v16 v) {
  float s[kWidth];
  std::memcpy(s, &v, sizeof(s));
  float m = s[0];
  for (size_t l = 1; l < kWidth; ++l) m = s[l] > m ? s[l] : m;
  return m;
}

inline v16 max(v16 a, v16 b) { return a > b ? a : b; }

// exp on 16 lanes: exp(x) = 2^n * exp(r), n = round(x / ln2), r = x - n*ln2 (Cody-Waite split);
// degree-7 Taylor polynomial on |r| <= ln2/2. Within 2 ulp of std::exp on [-87.3, 88.3]; exactly
// 0 below -87.3 (no denormals), clamped above 88.3.
inline v16 exp(v16 x) {
  const auto underflow = x < splat(-87.3f);
  x = x > splat(88.3f) ? splat(88.3f) : x;
  x = underflow ? splat(-87.3f) : x;
  // Round to nearest even by adding and subtracting 1.5 * 2^23.
  const v16 shifter = splat(12582912.f);
  const v16 n = (x * 1.44269504088896341f + shifter) - shifter;
  const v16 r = (x - n * 0.693359375f) - n * -2.12194440e-4f;
  v16 p = splat(1.f / 5040.f);
  p = p * r + 1.f / 720.f;
  p = p * r + 1.f / 120.f;
  p = p * r + 1.f / 24.f;
  p = p * r + 1.f / 6.f;
  p = p * r + 0.5f;
  p = p * r + 1.f;
  p = p * r + 1.f;
  const vi16 bits = (__builtin_convertvector(n, vi16) + 127) << 23;
  v16 scale;
  std::memcpy(&scale, &bits, sizeof(scale));
  return underflow ? splat(0.f) : p * scale;
}

}  // namespace sembed::ops::cpu::simd
