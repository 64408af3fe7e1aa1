// See softmax.hpp. Whole 16-lane vectors first, then a scalar tail: the summation order depends
// only on n. Callers that pad rows to a multiple of 16 (attention) never take the tail.
#include "ops/cpu/softmax.hpp"

#include <algorithm>

#include "ops/cpu/simd.hpp"
#include "ops/cpu/vec_math.hpp"

namespace sembed::ops::cpu {

float softmax_exp_inplace(float* x, size_t n) {
  using namespace simd;
  const size_t nv = n / kWidth * kWidth;
  float m = x[0];
  if (nv > 0) {
    v16 mv = load(x);
    for (size_t i = kWidth; i < nv; i += kWidth) mv = simd::max(mv, load(x + i));
    m = hmax(mv);
  }
  for (size_t i = nv; i < n; ++i) m = std::max(m, x[i]);
  float sum = 0.f;
  if (nv > 0) {
    const v16 mv = splat(m);
    v16 acc{};
    for (size_t i = 0; i < nv; i += kWidth) {
      const v16 e = simd::exp(load(x + i) - mv);
      store(x + i, e);
      acc += e;
    }
    sum = hsum(acc);
  }
  for (size_t i = nv; i < n; ++i) {
    const float e = exp_approx(x[i] - m);
    x[i] = e;
    sum += e;
  }
  return sum;
}

void softmax_inplace(float* x, size_t n) {
  const float inv = 1.f / softmax_exp_inplace(x, n);
  for (size_t i = 0; i < n; ++i) x[i] *= inv;
}

}  // namespace sembed::ops::cpu
