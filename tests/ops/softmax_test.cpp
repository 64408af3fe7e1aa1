// Softmax (and its vectorisable exp) against double precision.
#include "ops/cpu/softmax.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "ops/cpu/simd.hpp"
#include "ops/cpu/vec_math.hpp"
#include "test_util.hpp"

namespace sembed::ops::cpu {
namespace {

TEST(ExpApprox, WithinTwoUlpOnSoftmaxRange) {
  double worst = 0;
  for (float x = -87.f; x <= 0.f; x += 0.000731f) {
    const double ref = std::exp(double(x));
    const double rel = std::abs(exp_approx(x) - ref) / ref;
    worst = std::max(worst, rel);
  }
  EXPECT_LT(worst, 2.5e-7);
  EXPECT_EQ(exp_approx(0.f), 1.f);
  EXPECT_EQ(exp_approx(-1000.f), 0.f);
}

TEST(SimdExp, WithinTwoUlpAndZeroBelowRange) {
  double worst = 0;
  for (float x0 = -87.f; x0 <= 0.f; x0 += 16 * 0.000731f) {
    simd::v16 x;
    for (size_t l = 0; l < 16; ++l) x[l] = x0 + l * 0.000731f;
    const simd::v16 e = simd::exp(x);
    for (size_t l = 0; l < 16; ++l) {
      const double ref = std::exp(double(x[l]));
      worst = std::max(worst, std::abs(e[l] - ref) / ref);
    }
  }
  EXPECT_LT(worst, 2.5e-7);
  const simd::v16 big = simd::exp(simd::splat(-3.0e38f));
  for (size_t l = 0; l < 16; ++l) EXPECT_EQ(big[l], 0.f);
  EXPECT_EQ(simd::exp(simd::splat(0.f))[3], 1.f);
}

TEST(Softmax, MatchesNaive) {
  for (size_t n : {1u, 2u, 15u, 16u, 17u, 64u, 129u, 512u}) {
    auto x = test::random_vector(n, unsigned(n), 4.f);
    std::vector<double> ref(n);
    double m = -1e30, s = 0;
    for (float v : x) m = std::max(m, double(v));
    for (size_t i = 0; i < n; ++i) s += ref[i] = std::exp(x[i] - m);
    for (auto& r : ref) r /= s;
    softmax_inplace(x.data(), n);
    EXPECT_LT(test::max_abs_diff(x, ref), 1e-6) << n;
  }
}

}  // namespace
}  // namespace sembed::ops::cpu
