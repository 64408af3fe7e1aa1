// See layer_norm.hpp. Two passes (mean, then centred sum of squares) for accuracy comparable to
// torch, on 16-lane vectors with a scalar tail; the order of additions depends only on the width.
#include "ops/cpu/layer_norm.hpp"

#include <cmath>

#include "ops/cpu/parallel.hpp"
#include "ops/cpu/simd.hpp"

namespace sembed::ops::cpu {
namespace {

void layer_norm_row(const float* x, float* y, size_t width, const float* gamma, const float* beta,
                    float eps) {
  using namespace simd;
  const size_t nv = width / kWidth * kWidth;
  v16 acc{};
  for (size_t i = 0; i < nv; i += kWidth) acc += load(x + i);
  float sum = hsum(acc);
  for (size_t i = nv; i < width; ++i) sum += x[i];
  const float mean = sum / static_cast<float>(width);

  const v16 mv = splat(mean);
  v16 sq{};
  for (size_t i = 0; i < nv; i += kWidth) {
    const v16 c = load(x + i) - mv;
    sq += c * c;
  }
  float ss = hsum(sq);
  for (size_t i = nv; i < width; ++i) ss += (x[i] - mean) * (x[i] - mean);
  const float rstd = 1.f / std::sqrt(ss / static_cast<float>(width) + eps);

  const v16 rv = splat(rstd);
  for (size_t i = 0; i < nv; i += kWidth)
    store(y + i, (load(x + i) - mv) * rv * load(gamma + i) + load(beta + i));
  for (size_t i = nv; i < width; ++i) y[i] = (x[i] - mean) * rstd * gamma[i] + beta[i];
}

}  // namespace

void layer_norm(const float* x, float* y, size_t rows, size_t width, const float* gamma,
                const float* beta, float eps, int threads) {
  // Small row counts are not worth waking a second thread for.
  const int t = rows * width < 16384 ? 1 : threads;
  parallel_for(t, rows, [&](size_t begin, size_t end) {
    for (size_t r = begin; r < end; ++r)
      layer_norm_row(x + r * width, y + r * width, width, gamma, beta, eps);
  });
}

}  // namespace sembed::ops::cpu
