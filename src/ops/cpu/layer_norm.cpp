// See layer_norm.hpp. Two passes (mean, then centred sum of squares) for accuracy comparable to
// torch; 16 lane accumulators so the loops vectorize without reassociation flags.
#include "ops/cpu/layer_norm.hpp"

#include <cmath>

#include "ops/cpu/parallel.hpp"

namespace sembed::ops::cpu {
namespace {

constexpr size_t W = 16;

float lane_sum(const float* lanes) {
  float s = 0.f;
  for (size_t l = 0; l < W; ++l) s += lanes[l];
  return s;
}

void layer_norm_row(const float* x, float* y, size_t width, const float* gamma, const float* beta,
                    float eps) {
  float acc[W] = {};
  size_t i = 0;
  for (; i + W <= width; i += W)
    for (size_t l = 0; l < W; ++l) acc[l] += x[i + l];
  float tail = 0.f;
  for (; i < width; ++i) tail += x[i];
  const float mean = (lane_sum(acc) + tail) / static_cast<float>(width);

  float sq[W] = {};
  i = 0;
  for (; i + W <= width; i += W)
    for (size_t l = 0; l < W; ++l) {
      const float c = x[i + l] - mean;
      sq[l] += c * c;
    }
  tail = 0.f;
  for (; i < width; ++i) tail += (x[i] - mean) * (x[i] - mean);
  const float var = (lane_sum(sq) + tail) / static_cast<float>(width);
  const float rstd = 1.f / std::sqrt(var + eps);
  for (size_t j = 0; j < width; ++j) y[j] = (x[j] - mean) * rstd * gamma[j] + beta[j];
}

}  // namespace

void layer_norm(const float* x, float* y, size_t rows, size_t width, const float* gamma,
                const float* beta, float eps, int threads) {
  // Small row counts are not worth waking a second thread for.
  const int t = rows * width < 16384 ? 1 : threads;
  parallel_for(t, rows, [&](size_t begin, size_t end) {
    for (size_t r = begin; r < end; ++r) layer_norm_row(x + r * width, y + r * width, width, gamma, beta, eps);
  });
}

}  // namespace sembed::ops::cpu
