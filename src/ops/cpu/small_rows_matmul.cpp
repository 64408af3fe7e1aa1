// See small_rows_matmul.hpp.
#include "ops/cpu/small_rows_matmul.hpp"

#include <algorithm>
#include <sembed/error.hpp>

#include "ops/cpu/parallel.hpp"

#if defined(__AVX512F__)
#include <immintrin.h>
#endif

namespace sembed::ops::cpu {

#if defined(__AVX512F__)
namespace {

// BA16a64b: 64-column blocks one after the other, each k's 64 columns contiguous inside a block:
// element (k, j) at (j / 64) * k_total * 64 + k * 64 + j % 64.
constexpr int64_t kBlockColumns = 64;
// One tile covers half a block: 32 columns (two zmm registers) for up to kTileRows rows, so
// 2 × 14 accumulators fit in the 32 registers with the two weight vectors.
constexpr int64_t kTileColumns = 32;
constexpr int kTileRows = 14;
// oneDNN's fp32 brgemm restarts its sums every K block: 1,024 k when k > 1,024, else 512 (its
// avx512 blocking heuristic; see the header).
int64_t k_block(int64_t k) { return k > 1024 ? 1024 : 512; }
// How far ahead (in k steps, 256 bytes each) the weight stream is prefetched; 16 was fastest of
// 4, 8 and 16 (MiniLM, 9 rows).
constexpr int64_t kPrefetchSteps = 16;

// part[r][0..32) = (add ? part[r][..] : 0) + sum over k in [k0, k1) of x[r][k] · w(k, ..), each
// column a chain of fused multiply-adds in k order.
template <int Rows>
void tile(const float* x, int64_t ldx, int64_t k0, int64_t k1, const float* w, float* part,
          bool add) {
  __m512 acc[Rows][2];
  for (int r = 0; r < Rows; ++r) acc[r][0] = acc[r][1] = _mm512_setzero_ps();
  for (int64_t k = k0; k < k1; ++k) {
    const float* wk = w + k * kBlockColumns;
    const __m512 w0 = _mm512_loadu_ps(wk), w1 = _mm512_loadu_ps(wk + 16);
    _mm_prefetch(reinterpret_cast<const char*>(wk + kPrefetchSteps * kBlockColumns), _MM_HINT_T0);
    _mm_prefetch(reinterpret_cast<const char*>(wk + kPrefetchSteps * kBlockColumns + 16),
                 _MM_HINT_T0);
    for (int r = 0; r < Rows; ++r) {
      const __m512 xr = _mm512_set1_ps(x[r * ldx + k]);
      acc[r][0] = _mm512_fmadd_ps(w0, xr, acc[r][0]);
      acc[r][1] = _mm512_fmadd_ps(w1, xr, acc[r][1]);
    }
  }
  for (int r = 0; r < Rows; ++r) {
    float* p = part + r * kTileColumns;
    if (add) {
      _mm512_storeu_ps(p, _mm512_add_ps(_mm512_loadu_ps(p), acc[r][0]));
      _mm512_storeu_ps(p + 16, _mm512_add_ps(_mm512_loadu_ps(p + 16), acc[r][1]));
    } else {
      _mm512_storeu_ps(p, acc[r][0]);
      _mm512_storeu_ps(p + 16, acc[r][1]);
    }
  }
}

using TileFn = void (*)(const float*, int64_t, int64_t, int64_t, const float*, float*, bool);
constexpr TileFn kTiles[kTileRows + 1] = {nullptr,   tile<1>,  tile<2>,  tile<3>,  tile<4>,
                                          tile<5>,   tile<6>,  tile<7>,  tile<8>,  tile<9>,
                                          tile<10>,  tile<11>, tile<12>, tile<13>, tile<14>};

}  // namespace

bool small_rows_kernel_built() { return true; }

void small_rows_matmul(const float* x, int64_t rows, int64_t k, const float* packed_weight,
                       int64_t n, const float* bias, bool accumulate, float* y, int threads) {
  const auto tiles = static_cast<size_t>(n / kTileColumns);
  const int64_t kb = k_block(k);
  parallel_for(threads, tiles, [&](size_t t0, size_t t1) {
    alignas(64) float part[kSmallRowsLimit * kTileColumns];
    for (size_t t = t0; t < t1; ++t) {
      const int64_t col = static_cast<int64_t>(t) * kTileColumns;
      const float* w = packed_weight + col / kBlockColumns * k * kBlockColumns + col % kBlockColumns;
      for (int64_t r0 = 0; r0 < rows; r0 += kTileRows) {
        const int64_t r_count = std::min<int64_t>(kTileRows, rows - r0);
        for (int64_t k0 = 0; k0 < k; k0 += kb)
          kTiles[r_count](x + r0 * k, k, k0, std::min(k, k0 + kb), w, part + r0 * kTileColumns,
                          k0 > 0);
      }
      for (int64_t r = 0; r < rows; ++r) {
        const float* p = part + r * kTileColumns;
        float* out = y + r * n + col;
        for (int64_t j = 0; j < kTileColumns; ++j) {
          const float v = p[j] + bias[col + j];
          out[j] = accumulate ? out[j] + v : v;
        }
      }
    }
  });
}

bool small_rows_shape_supported(int64_t n, int64_t k) {
  return n > 0 && k > 0 && n % kBlockColumns == 0 && k % 16 == 0;
}

#else  // no AVX-512 in this build: oneDNN's brgemm fp32 kernel is not the one running either

bool small_rows_kernel_built() { return false; }
bool small_rows_shape_supported(int64_t, int64_t) { return false; }
void small_rows_matmul(const float*, int64_t, int64_t, const float*, int64_t, const float*, bool,
                       float*, int) {
  throw Error("small_rows_matmul: this build has no AVX-512 kernel (check small_rows_kernel_built)");
}

#endif

}  // namespace sembed::ops::cpu
