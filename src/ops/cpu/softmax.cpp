// See softmax.hpp. Fixed-width lane accumulators make the reductions vectorize without
// -ffast-math and give a summation order that depends only on n.
#include "ops/cpu/softmax.hpp"

#include <algorithm>

#include "ops/cpu/vec_math.hpp"

namespace sembed::ops::cpu {

float softmax_exp_inplace(float* x, size_t n) {
  constexpr size_t W = 16;
  float m = x[0];
  {
    float lanes[W];
    for (size_t l = 0; l < W; ++l) lanes[l] = x[0];
    size_t i = 0;
    for (; i + W <= n; i += W)
      for (size_t l = 0; l < W; ++l) lanes[l] = std::max(lanes[l], x[i + l]);
    for (; i < n; ++i) m = std::max(m, x[i]);
    for (size_t l = 0; l < W; ++l) m = std::max(m, lanes[l]);
  }
  float lanes[W] = {};
  size_t i = 0;
  for (; i + W <= n; i += W)
    for (size_t l = 0; l < W; ++l) {
      const float e = exp_approx(x[i + l] - m);
      x[i + l] = e;
      lanes[l] += e;
    }
  float sum = 0.f;
  for (; i < n; ++i) {
    const float e = exp_approx(x[i] - m);
    x[i] = e;
    sum += e;
  }
  for (size_t l = 0; l < W; ++l) sum += lanes[l];
  return sum;
}

void softmax_inplace(float* x, size_t n) {
  const float inv = 1.f / softmax_exp_inplace(x, n);
  for (size_t i = 0; i < n; ++i) x[i] *= inv;
}

}  // namespace sembed::ops::cpu
