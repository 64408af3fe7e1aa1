// LayerNorm against a double-precision reference, in place and out of place.
#include "ops/cpu/layer_norm.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "test_util.hpp"

namespace sembed::ops::cpu {
namespace {

TEST(LayerNorm, MatchesNaive) {
  for (size_t width : {1u, 7u, 16u, 32u, 100u, 384u, 768u}) {
    const size_t rows = 37;
    auto x = test::random_vector(rows * width, 1, 3.f);
    for (size_t i = 0; i < x.size(); ++i) x[i] += 5.f;  // an offset makes the naive one-pass fail
    auto g = test::random_vector(width, 2);
    auto b = test::random_vector(width, 3);
    const float eps = 1e-12f;
    std::vector<double> ref(x.size());
    for (size_t r = 0; r < rows; ++r) {
      double mean = 0, var = 0;
      for (size_t c = 0; c < width; ++c) mean += x[r * width + c];
      mean /= width;
      for (size_t c = 0; c < width; ++c)
        var += (x[r * width + c] - mean) * (x[r * width + c] - mean);
      var /= width;
      for (size_t c = 0; c < width; ++c)
        ref[r * width + c] = (x[r * width + c] - mean) / std::sqrt(var + eps) * g[c] + b[c];
    }
    std::vector<float> y(x.size());
    layer_norm(x.data(), y.data(), rows, width, g.data(), b.data(), eps, 2);
    // width 1: variance 0, output is beta (up to eps), as in torch.
    EXPECT_LT(test::max_abs_diff(y, ref), 2e-5) << width;
    layer_norm(x.data(), x.data(), rows, width, g.data(), b.data(), eps, 1);
    EXPECT_EQ(x, y) << "in place differs, width " << width;
  }
}

}  // namespace
}  // namespace sembed::ops::cpu
