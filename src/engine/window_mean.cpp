#include "engine/window_mean.hpp"

#include <algorithm>

namespace sembed::engine {

Matrix mean_of_windows(const Matrix& rows, const std::vector<size_t>& first,
                       const std::vector<size_t>& weights) {
  const size_t n = first.empty() ? 0 : first.size() - 1;
  Matrix out(n, rows.cols);
  std::vector<double> sum(rows.cols);
  for (size_t i = 0; i < n; ++i) {
    if (first[i + 1] - first[i] == 1) {
      std::copy(rows.row(first[i]), rows.row(first[i]) + rows.cols, out.row(i));
      continue;
    }
    std::fill(sum.begin(), sum.end(), 0.0);
    double total = 0;
    for (size_t w = first[i]; w < first[i + 1]; ++w) {
      const double weight = static_cast<double>(weights[w]);
      total += weight;
      const float* r = rows.row(w);
      for (size_t j = 0; j < rows.cols; ++j) sum[j] += weight * r[j];
    }
    // A text of no tokens is one window; total is 0 only if every weight is, never in practice.
    for (size_t j = 0; j < rows.cols; ++j)
      out.at(i, j) = total > 0 ? static_cast<float>(sum[j] / total) : 0.0f;
  }
  return out;
}

}  // namespace sembed::engine
