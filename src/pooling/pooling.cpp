// Pooling modes, each as sentence-transformers computes it with an all-ones attention mask:
//   mean                  sum(h) / max(n, 1e-9)
//   cls                   h[0]
//   max                   max over tokens
//   mean_sqrt_len_tokens  sum(h) / sqrt(n)
//   weightedmean          sum(h_i * (i+1)) / sum(i+1)   (position weights start at 1)
//   lasttoken             h[n-1]
// Sums accumulate in float in token order, like torch's sum over the sequence dimension for
// these small sizes; any difference is float rounding (tests bound it at 1e-6).
#include "pooling/pooling.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

namespace sembed::pooling {
namespace {

void weighted_sum(const float* tokens, size_t n_tokens, size_t hidden, bool position_weights,
                  float* out, size_t skip) {
  std::fill(out, out + hidden, 0.0f);
  for (size_t t = skip; t < n_tokens; ++t) {
    const float* h = tokens + t * hidden;
    const float w = position_weights ? static_cast<float>(t + 1) : 1.0f;
    for (size_t j = 0; j < hidden; ++j) out[j] += h[j] * w;
  }
}

void scale(float* out, size_t hidden, float divisor) {
  for (size_t j = 0; j < hidden; ++j) out[j] /= divisor;
}

}  // namespace

void pool(PoolingMode mode, const float* tokens, size_t n_tokens, size_t hidden, float* out,
          size_t skip) {
  skip = std::min(skip, n_tokens);
  const size_t kept = n_tokens - skip;
  switch (mode) {
    case PoolingMode::Mean:
      weighted_sum(tokens, n_tokens, hidden, false, out, skip);
      scale(out, hidden, std::max(static_cast<float>(kept), 1e-9f));
      return;
    case PoolingMode::MeanSqrtLenTokens:
      weighted_sum(tokens, n_tokens, hidden, false, out, skip);
      scale(out, hidden, std::sqrt(std::max(static_cast<float>(kept), 1e-9f)));
      return;
    case PoolingMode::WeightedMean: {
      weighted_sum(tokens, n_tokens, hidden, true, out, skip);
      const float weight_sum =
          static_cast<float>(n_tokens * (n_tokens + 1) / 2 - skip * (skip + 1) / 2);
      scale(out, hidden, std::max(weight_sum, 1e-9f));
      return;
    }
    case PoolingMode::Cls:
      std::memcpy(out, tokens + (kept > 0 ? skip : 0) * hidden, hidden * sizeof(float));
      return;
    case PoolingMode::LastToken:
      if (kept == 0) {
        std::fill(out, out + hidden, 0.0f);
        return;
      }
      std::memcpy(out, tokens + (n_tokens - 1) * hidden, hidden * sizeof(float));
      return;
    case PoolingMode::Max:
      if (kept == 0) {
        std::fill(out, out + hidden, -std::numeric_limits<float>::infinity());
        return;
      }
      std::memcpy(out, tokens + skip * hidden, hidden * sizeof(float));
      for (size_t t = skip + 1; t < n_tokens; ++t) {
        const float* h = tokens + t * hidden;
        for (size_t j = 0; j < hidden; ++j) out[j] = std::max(out[j], h[j]);
      }
      return;
  }
}

void l2_normalize(float* v, size_t n) {
  double sum_sq = 0;  // double: the norm is a reduction over hundreds of values
  for (size_t j = 0; j < n; ++j) sum_sq += static_cast<double>(v[j]) * v[j];
  const float norm = std::max(static_cast<float>(std::sqrt(sum_sq)), 1e-12f);
  for (size_t j = 0; j < n; ++j) v[j] /= norm;
}

}  // namespace sembed::pooling
