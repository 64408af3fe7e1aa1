// Linear (oneDNN matmul, prepacked weights, fused epilogues) against a naive double-precision
// reference; and its batch invariance: a row's result is bit-identical whatever the row count.
#include "ops/cpu/linear.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <string>
#include <thread>

#include "ops/cpu/small_rows_matmul.hpp"
#include "test_util.hpp"

namespace sembed::ops::cpu {
namespace {

using test::max_abs_diff;
using test::random_vector;

std::vector<double> naive(const std::vector<float>& x, const std::vector<float>& w,
                          const std::vector<float>& b, int64_t m, int64_t n, int64_t k) {
  std::vector<double> y(m * n);
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j) {
      double s = b[j];
      for (int64_t c = 0; c < k; ++c) s += double(x[i * k + c]) * w[j * k + c];  // w is [n, k]
      y[i * n + j] = s;
    }
  return y;
}

struct Shape {
  int64_t m, n, k;
};

class LinearShapes : public ::testing::TestWithParam<Shape> {};

TEST_P(LinearShapes, MatchesNaiveForEveryEpilogue) {
  const auto [m, n, k] = GetParam();
  auto x = random_vector(m * k, 1);
  auto w = random_vector(n * k, 2, 1.f / std::sqrt(float(k)));
  auto b = random_vector(n, 3);
  auto ref = naive(x, w, b, m, n, k);
  for (int threads : {1, 2}) {
    {
      Linear lin(w.data(), b.data(), n, k, Epilogue::None);
      std::vector<float> y(m * n);
      lin.forward(x.data(), m, y.data(), threads);
      EXPECT_LT(max_abs_diff(y, ref), 1e-4);
    }
    {
      Linear lin(w.data(), b.data(), n, k, Epilogue::Gelu);
      std::vector<float> y(m * n);
      lin.forward(x.data(), m, y.data(), threads);
      std::vector<double> g(ref.size());
      for (size_t i = 0; i < g.size(); ++i)
        g[i] = 0.5 * ref[i] * (1.0 + std::erf(ref[i] / std::sqrt(2.0)));
      EXPECT_LT(max_abs_diff(y, g), 1e-4);
    }
    {
      Linear lin(w.data(), b.data(), n, k, Epilogue::Tanh);
      std::vector<float> y(m * n);
      lin.forward(x.data(), m, y.data(), threads);
      std::vector<double> t(ref.size());
      for (size_t i = 0; i < t.size(); ++i) t[i] = std::tanh(ref[i]);
      EXPECT_LT(max_abs_diff(y, t), 1e-5);
    }
    {
      Linear lin(w.data(), b.data(), n, k, Epilogue::Accumulate);
      auto residual = random_vector(m * n, 4);
      std::vector<float> y = residual;
      lin.forward(x.data(), m, y.data(), threads);
      std::vector<double> r(ref.size());
      for (size_t i = 0; i < r.size(); ++i) r[i] = ref[i] + residual[i];
      EXPECT_LT(max_abs_diff(y, r), 1e-4);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Shapes, LinearShapes,
                         ::testing::Values(Shape{1, 32, 32}, Shape{7, 96, 32}, Shape{33, 64, 128},
                                           Shape{130, 384, 384}, Shape{5, 1536, 384},
                                           Shape{64, 384, 1536}, Shape{3, 17, 5}));

TEST(Linear, NullBiasIsZero) {
  auto x = random_vector(4 * 8, 5);
  auto w = random_vector(6 * 8, 6);
  std::vector<float> zero(6, 0.f);
  Linear lin(w.data(), nullptr, 6, 8, Epilogue::None);
  std::vector<float> y(4 * 6);
  lin.forward(x.data(), 4, y.data(), 1);
  EXPECT_LT(max_abs_diff(y, naive(x, w, zero, 4, 6, 8)), 1e-5);
}

// Every row computed inside a batch of any size is bit-identical to that row computed alone.
TEST(Linear, RowsAreBitIdenticalWhateverTheBatch) {
  for (auto [n, k] :
       {std::pair<int64_t, int64_t>{384, 384}, {384, 1536}, {1152, 384}, {768, 3072}}) {
    const int64_t max_m = 160;
    auto x = random_vector(max_m * k, 7);
    auto w = random_vector(n * k, 8, 0.05f);
    auto b = random_vector(n, 9);
    for (Epilogue ep : {Epilogue::None, Epilogue::Gelu}) {
      Linear lin(w.data(), b.data(), n, k, ep);
      for (int threads : {1, 2}) {
        std::vector<float> alone(max_m * n);
        for (int64_t i = 0; i < max_m; ++i) lin.forward(&x[i * k], 1, &alone[i * n], threads);
        for (int64_t m : {2, 5, 16, 17, 64, 129, 160}) {
          std::vector<float> y(m * n);
          lin.forward(x.data(), m, y.data(), threads);
          EXPECT_EQ(0, std::memcmp(y.data(), alone.data(), sizeof(float) * m * n))
              << "m=" << m << " threads=" << threads;
          // The thread count does not change a row's result either (oneDNN splits rows and
          // columns between threads, never the reduction over k, at these shapes).
          lin.forward(x.data(), m, y.data(), 3 - threads);
          EXPECT_EQ(0, std::memcmp(y.data(), alone.data(), sizeof(float) * m * n))
              << "m=" << m << " threads=" << 3 - threads << " vs alone with " << threads
              << " n=" << n << " k=" << k;
        }
      }
    }
  }
}

// Any row count runs on a few canonical kernel sizes (a multiple of 64, then a tail of its exact
// count below 16 rows, padded to a multiple of 8 above): each row equals that row computed alone, for every Epilogue (Accumulate reads
// the residual through the padded copy), and few kernels get compiled.
TEST(Linear, CanonicalRowCountsGiveTheSameBitsWithFewKernels) {
  const int64_t n = 96, k = 80, max_m = 200;
  auto x = random_vector(max_m * k, 13);
  auto w = random_vector(n * k, 14, 0.05f);
  auto b = random_vector(n, 15);
  auto residual = random_vector(max_m * n, 16);
  for (Epilogue ep : {Epilogue::None, Epilogue::Gelu, Epilogue::Accumulate}) {
    Linear lin(w.data(), b.data(), n, k, ep);
    std::vector<float> alone(residual);
    for (int64_t i = 0; i < max_m; ++i) lin.forward(&x[i * k], 1, &alone[i * n], 1);
    for (int64_t m = 1; m <= max_m; ++m) {
      std::vector<float> y(residual.begin(), residual.begin() + m * n);
      lin.forward(x.data(), m, y.data(), 1);
      ASSERT_EQ(0, std::memcmp(y.data(), alone.data(), sizeof(float) * m * n)) << "m=" << m;
    }
    // Bodies 64, 128, 192; tails 1..15, then 16..64 by 8 (+ the probe).
    if (std::string(lin.implementation(8, 1)).rfind("brg", 0) == 0) {
      EXPECT_LE(lin.cached_kernels(), 26u);
    }
  }
}

// Calls under kSmallRowsLimit rows run our own kernel on AVX-512 (small_rows_matmul.hpp): its
// rows must be the bits oneDNN gives the same rows inside a large call, for every epilogue and
// for k within one K block of oneDNN's, past its 512-long one and past its 1,024-long one; and
// close to the exact product.
class SmallRowCalls : public ::testing::TestWithParam<int64_t> {};

TEST_P(SmallRowCalls, GiveOneDnnsBits) {
  const int64_t n = 128, k = GetParam(), big = 64 + kSmallRowsLimit;
  auto x = random_vector(big * k, 21);
  auto w = random_vector(n * k, 22, 0.05f);
  auto b = random_vector(n, 23);
  auto residual = random_vector(big * n, 24);
  const auto exact = naive(x, w, b, big, n, k);
  for (Epilogue ep :
       {Epilogue::None, Epilogue::Gelu, Epilogue::Tanh, Epilogue::Relu, Epilogue::Accumulate}) {
    Linear lin(w.data(), b.data(), n, k, ep);
    // Rows 64.. of one large call come from oneDNN's tail kernel, rows 0..63 from its body.
    std::vector<float> large(residual);
    lin.forward(x.data(), big, large.data(), 2);
    for (int64_t m = 1; m < kSmallRowsLimit; ++m) {
      for (int64_t first : {int64_t{0}, big - m}) {
        std::vector<float> y(residual.begin() + first * n, residual.begin() + (first + m) * n);
        lin.forward(&x[first * k], m, y.data(), 1 + static_cast<int>(m % 2));
        ASSERT_EQ(0, std::memcmp(y.data(), &large[first * n], sizeof(float) * m * n))
            << "epilogue " << static_cast<int>(ep) << ", m=" << m << ", first row " << first;
      }
    }
    if (ep == Epilogue::None) {
      std::vector<float> y(3 * n);
      lin.forward(x.data(), 3, y.data(), 2);
      std::vector<double> ref(exact.begin(), exact.begin() + 3 * n);
      EXPECT_LT(max_abs_diff(y, ref), 1e-4);
    }
    // Where oneDNN runs its AVX-512 fp32 brgemm kernel, ours must be the one running.
    if (small_rows_kernel_built() && lin.kernel() == "brg:avx512_core") {
      EXPECT_TRUE(lin.small_rows_kernel_in_use()) << "epilogue " << static_cast<int>(ep);
    }
  }
}
INSTANTIATE_TEST_SUITE_P(KBlocks, SmallRowCalls, ::testing::Values(384, 768, 1040, 3072));

// More distinct row counts than the kernel cache holds: memory stays bounded, and a row count
// whose kernel was evicted and rebuilt still gives the same bits.
TEST(Linear, KernelCacheIsBoundedAndEvictionKeepsTheBits) {
  const int64_t n = 64, k = 64, blocks = 60;
  auto x = random_vector(blocks * 64 * k, 17);
  auto w = random_vector(n * k, 18, 0.05f);
  auto b = random_vector(n, 19);
  Linear lin(w.data(), b.data(), n, k, Epilogue::None);
  std::vector<std::vector<float>> first(blocks + 1);
  for (int64_t j = 1; j <= blocks; ++j) {
    first[j].resize(j * 64 * n);
    lin.forward(x.data(), j * 64, first[j].data(), 1);
  }
  EXPECT_LE(lin.cached_kernels(), 48u);
  std::vector<float> again(blocks * 64 * n);
  for (int64_t j = blocks; j >= 1; --j) {
    lin.forward(x.data(), j * 64, again.data(), 1);
    EXPECT_EQ(0, std::memcmp(again.data(), first[j].data(), sizeof(float) * j * 64 * n))
        << "rows=" << j * 64;
  }
  EXPECT_LE(lin.cached_kernels(), 48u);
}

TEST(Linear, ConcurrentCallersGetIdenticalResults) {
  const int64_t m = 50, n = 96, k = 64;
  auto x = random_vector(m * k, 10);
  auto w = random_vector(n * k, 11);
  auto b = random_vector(n, 12);
  Linear lin(w.data(), b.data(), n, k, Epilogue::Gelu);
  std::vector<float> expected(m * n);
  lin.forward(x.data(), m, expected.data(), 1);
  std::vector<std::thread> pool;
  std::vector<int> ok(4, 0);
  for (int t = 0; t < 4; ++t)
    pool.emplace_back([&, t] {
      std::vector<float> y(m * n);
      bool all = true;
      for (int r = 0; r < 20; ++r) {
        lin.forward(x.data(), m, y.data(), 1 + (t % 2));
        all = all && max_abs_diff(y, expected) < 1e-5;
      }
      ok[t] = all;
    });
  for (auto& th : pool) th.join();
  for (int t = 0; t < 4; ++t) EXPECT_TRUE(ok[t]) << t;
}

}  // namespace
}  // namespace sembed::ops::cpu
