// Elementwise math written so that GCC/Clang vectorize the calling loops (no libm calls, no
// branches): exp for softmax. Accuracy: within 2 ulp of std::exp on [-87, 88]; inputs below
// -87.3 give 0-ish denormal-free tiny values (fine for softmax, where the max term is exp(0)=1).
// Header-only and inline so the loops that call it vectorize.
#pragma once

#include <cstdint>
#include <cstring>

namespace sembed::ops::cpu {

inline float exp_approx(float x) {
  const bool underflow = x < -87.3f;
  // exp(x) = 2^n * exp(r), n = round(x / ln2), r = x - n*ln2 split in two parts (Cody-Waite) so
  // that r is exact; exp(r) by a degree-7 Taylor polynomial on |r| <= ln2/2 (error < 1e-8 rel).
  x = x < -87.3f ? -87.3f : (x > 88.3f ? 88.3f : x);
  // Round to nearest even by adding and subtracting 1.5 * 2^23 (exact for |y| < 2^22; |y| <= 128
  // here). Same result as roundevenf, but portable to compilers without __builtin_roundevenf
  // (clang 14, used for fuzzing) and vectorizable.
  const float y = x * 1.44269504088896341f;
  const float n = (y + 12582912.f) - 12582912.f;
  const float r = (x - n * 0.693359375f) - n * -2.12194440e-4f;
  float p = 1.f / 5040.f;
  p = p * r + 1.f / 720.f;
  p = p * r + 1.f / 120.f;
  p = p * r + 1.f / 24.f;
  p = p * r + 1.f / 6.f;
  p = p * r + 0.5f;
  p = p * r + 1.f;
  p = p * r + 1.f;
  // 2^n by building the float's exponent field; n is in [-126, 127] after the clamp.
  const int32_t bits = (static_cast<int32_t>(n) + 127) << 23;
  float scale;
  std::memcpy(&scale, &bits, sizeof(scale));
  return underflow ? 0.f : p * scale;
}

}  // namespace sembed::ops::cpu
