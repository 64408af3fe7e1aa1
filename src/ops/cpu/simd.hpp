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

// The machine's own register width (8 floats on AVX2, 16 with AVX-512), for kernels whose
// register blocking must fit the ISA's register file: 16 ymm registers hold only 8 v16 values.
#if defined(__AVX512F__)
constexpr size_t kNativeWidth = 16;
#else
constexpr size_t kNativeWidth = 8;
#endif
typedef float vn __attribute__((vector_size(kNativeWidth * sizeof(float))));

// Loads, stores and broadcasts for either vector type (v16 or vn).
template <typename Vec>
inline Vec load_as(const float* p) {
  Vec v;
  std::memcpy(&v, p, sizeof(v));
  return v;
}
template <typename Vec>
inline void store_as(float* p, Vec v) {
  std::memcpy(p, &v, sizeof(v));
}
// A uniform initializer, which GCC and Clang emit as one broadcast (`Vec{} + x` would cost a real
// addition, and 0 + x is not x for x = -0). Not a loop setting lane by lane: on AVX-512 GCC 12
// turned that into 16 masked broadcasts, each depending on the last, which made attention's
// score loop 2x slower than it should be (measured on an Intel Xeon: attend_one was 49% of a
// long-text run).
template <typename Vec>
inline Vec splat_as(float x) {
  constexpr size_t lanes = sizeof(Vec) / sizeof(float);
  if constexpr (lanes == 16) {
    return Vec{x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, x};
  } else if constexpr (lanes == 8) {
    return Vec{x, x, x, x, x, x, x, x};
  } else {
    Vec v;
    for (size_t l = 0; l < lanes; ++l) v[l] = x;
    return v;
  }
}

inline v16 load(const float* p) { return load_as<v16>(p); }
inline void store(float* p, v16 v) { store_as<v16>(p, v); }
inline v16 splat(float x) { return splat_as<v16>(x); }

// Lane permutations for the reductions (GCC and Clang spell shuffles differently).
#if defined(__clang__)
#define SEMBED_SHUFFLE(v, ...) __builtin_shufflevector(v, v, __VA_ARGS__)
#else
#define SEMBED_SHUFFLE(v, ...) __builtin_shuffle(v, vi16{__VA_ARGS__})
#endif
inline v16 fold8(v16 v) {
  return SEMBED_SHUFFLE(v, 8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7);
}
inline v16 fold4(v16 v) {
  return SEMBED_SHUFFLE(v, 4, 5, 6, 7, 0, 1, 2, 3, 4, 5, 6, 7, 0, 1, 2, 3);
}
inline v16 fold2(v16 v) {
  return SEMBED_SHUFFLE(v, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3, 0, 1);
}
inline v16 fold1(v16 v) {
  return SEMBED_SHUFFLE(v, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0);
}
#undef SEMBED_SHUFFLE

// Pairwise tree over the lanes, (l + 8), then (l + 4), (l + 2), (l + 1): a fixed order that
// does not depend on the target ISA.
inline float hsum(v16 v) {
  v = v + fold8(v);
  v = v + fold4(v);
  v = v + fold2(v);
  v = v + fold1(v);
  return v[0];
}

inline v16 max(v16 a, v16 b) { return a > b ? a : b; }

inline float hmax(v16 v) {
  v = max(v, fold8(v));
  v = max(v, fold4(v));
  v = max(v, fold2(v));
  v = max(v, fold1(v));
  return v[0];
}

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

// erf on 16 lanes: Abramowitz & Stegun 7.1.26, erf(|x|) = 1 - t·P(t)·exp(-x²) with
// t = 1/(1 + 0.3275911|x|), absolute error at most 1.5e-7 (a few float ulps near 1). Used where
// that error is far below the arithmetic's own (the int8 matmul epilogue), never on fp32 paths,
// which keep std::erf.
inline v16 erf(v16 x) {
  const v16 a = x < splat(0.f) ? -x : x;
  const v16 t = splat(1.f) / (splat(1.f) + a * 0.3275911f);
  v16 p = splat(1.061405429f);
  p = p * t - 1.453152027f;
  p = p * t + 1.421413741f;
  p = p * t - 0.284496736f;
  p = p * t + 0.254829592f;
  p = p * t;
  const v16 y = splat(1.f) - p * exp(-(a * a));
  return x < splat(0.f) ? -y : y;
}

}  // namespace sembed::ops::cpu::simd
