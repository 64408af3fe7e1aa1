// Pairwise similarity matrices with sentence-transformers' conventions (util.cos_sim, dot_score,
// euclidean_sim = -||a-b||_2, manhattan_sim = -||a-b||_1): larger always means more similar.
// Cosine normalizes copies of both sides first, exactly as cos_sim does, then takes dot products.
#include <sembed/sembed.hpp>

#include <cmath>

#include "pooling/pooling.hpp"

namespace sembed {
namespace {

// Dot product with several independent accumulators so the compiler can vectorize it without
// -ffast-math.
float dot(const float* a, const float* b, size_t n) {
  constexpr size_t kLanes = 16;
  float acc[kLanes] = {};
  size_t j = 0;
  for (; j + kLanes <= n; j += kLanes)
    for (size_t l = 0; l < kLanes; ++l) acc[l] += a[j + l] * b[j + l];
  float sum = 0;
  for (size_t l = 0; l < kLanes; ++l) sum += acc[l];
  for (; j < n; ++j) sum += a[j] * b[j];
  return sum;
}

float neg_distance(const float* a, const float* b, size_t n, bool squared_norm) {
  double sum = 0;
  for (size_t j = 0; j < n; ++j) {
    const double d = static_cast<double>(a[j]) - b[j];
    sum += squared_norm ? d * d : std::fabs(d);
  }
  return -static_cast<float>(squared_norm ? std::sqrt(sum) : sum);
}

Matrix normalized_copy(const Matrix& m) {
  Matrix out = m;
  for (size_t i = 0; i < out.rows; ++i) pooling::l2_normalize(out.row(i), out.cols);
  return out;
}

}  // namespace

Matrix similarity(const Matrix& a, const Matrix& b, SimilarityMetric metric) {
  if (a.cols != b.cols)
    throw Error("similarity: dimensions differ (" + std::to_string(a.cols) + " vs " +
                std::to_string(b.cols) + ")");
  Matrix out(a.rows, b.rows);
  if (metric == SimilarityMetric::Cosine || metric == SimilarityMetric::Dot) {
    const Matrix an = metric == SimilarityMetric::Cosine ? normalized_copy(a) : a;
    const Matrix bn = metric == SimilarityMetric::Cosine ? normalized_copy(b) : b;
    for (size_t i = 0; i < a.rows; ++i)
      for (size_t k = 0; k < b.rows; ++k) out.at(i, k) = dot(an.row(i), bn.row(k), a.cols);
    return out;
  }
  const bool euclidean = metric == SimilarityMetric::Euclidean;
  for (size_t i = 0; i < a.rows; ++i)
    for (size_t k = 0; k < b.rows; ++k)
      out.at(i, k) = neg_distance(a.row(i), b.row(k), a.cols, euclidean);
  return out;
}

}  // namespace sembed
