// See attention.hpp. Per (sequence, head), with L keys padded to Lp (a multiple of 16):
//   1. Kᵀ is copied into a contiguous [d, Lp] tile (zero in the padding columns), so scores are
//      computed 16 keys at a time with unit-stride loads, for 4 query rows at once, with the
//      accumulators kept in registers;
//   2. padded scores are set to a huge negative value, so softmax runs on whole 16-lane vectors
//      and the padding gets probability exactly 0;
//   3. P·V is accumulated over keys, vectorised over the head dimension, then scaled by 1/sum.
// With a sliding window, step 1-3 cover only the 16-key blocks the window of the 4 rows reaches,
// and keys outside each row's window get a huge negative score (probability exactly 0): the work
// and the scratch are O(L * window), not O(L^2). Without one the scratch is O(L * d) too: scores
// are held for 4 query rows at a time, never as an L x L matrix.
// All loop bounds depend only on L, d and the window, so a sequence's result depends only on itself.
#include "ops/cpu/attention.hpp"

#include <algorithm>
#include <cmath>

#include "ops/cpu/parallel.hpp"
#include "ops/cpu/simd.hpp"
#include "ops/cpu/softmax.hpp"
#include "tensor/aligned_buffer.hpp"

namespace sembed::ops::cpu {
namespace {

using simd::kWidth;
using simd::v16;

// Query rows are processed kRows at a time: the Kᵀ and V loads are shared between the rows and
// the rows' accumulators form independent dependency chains (one row alone would wait on FMA
// latency). Each row's own arithmetic (order of the sums over c and over j) is the same as if it
// were computed alone; a block past the last row repeats the last row and drops its results.
constexpr size_t kRows = 4;

// scores[r][j] = sum_c q_r[c] * kt[c * lp + j] for the kRows rows and j in [j0, j0 + 16 * V).
template <size_t V>
inline void score_block(const float* const* q, const float* kt, size_t lp, size_t d, size_t j0,
                        float* scores) {
  v16 acc[kRows][V] = {};
  for (size_t c = 0; c < d; ++c) {
    const float* row = kt + c * lp + j0;
    v16 kv[V];
    for (size_t v = 0; v < V; ++v) kv[v] = simd::load(row + v * kWidth);
    for (size_t r = 0; r < kRows; ++r) {
      const v16 qc = simd::splat(q[r][c]);
      for (size_t v = 0; v < V; ++v) acc[r][v] += qc * kv[v];
    }
  }
  for (size_t r = 0; r < kRows; ++r)
    for (size_t v = 0; v < V; ++v) simd::store(scores + r * lp + j0 + v * kWidth, acc[r][v]);
}

// out_r[0:16*NV] = (sum_j p_r[j] * v_j[0:16*NV]) * inv_r for the first `rows` rows, for head
// sizes that are whole vectors.
template <size_t NV>
inline void weighted_sum(const float* p, size_t lp, const float* v, size_t stride, size_t len,
                         const float* inv, float* const* out, size_t rows) {
  v16 acc[kRows][NV] = {};
  for (size_t j = 0; j < len; ++j) {
    const float* vj = v + j * stride;
    v16 vv[NV];
    for (size_t k = 0; k < NV; ++k) vv[k] = simd::load(vj + k * kWidth);
    for (size_t r = 0; r < kRows; ++r) {
      const v16 pj = simd::splat(p[r * lp + j]);
      for (size_t k = 0; k < NV; ++k) acc[r][k] += pj * vv[k];
    }
  }
  for (size_t r = 0; r < rows; ++r) {
    const v16 iv = simd::splat(inv[r]);
    for (size_t k = 0; k < NV; ++k) simd::store(out[r] + k * kWidth, acc[r][k] * iv);
  }
}

// Any head size: scalar accumulation, one row at a time.
inline void weighted_sum_any(const float* p, size_t lp, const float* v, size_t stride, size_t len,
                             size_t d, const float* inv, float* const* out, size_t rows,
                             float* acc) {
  for (size_t r = 0; r < rows; ++r) {
    for (size_t c = 0; c < d; ++c) acc[c] = 0.f;
    for (size_t j = 0; j < len; ++j) {
      const float pj = p[r * lp + j];
      const float* vj = v + j * stride;
      for (size_t c = 0; c < d; ++c) acc[c] += pj * vj[c];
    }
    for (size_t c = 0; c < d; ++c) out[r][c] = acc[c] * inv[r];
  }
}

// One (sequence, head) pair. q, k, v point at the head's first column in the first token's row;
// rows are `stride` floats apart. out likewise with stride `out_stride`.
// bias: this head's relative-bias row at relative position 0 (nullptr: none); scale is applied
// by multiplication, or by division when `divide` (then scale holds sqrt(d)).
// window: 0, or the largest |i - j| a query i may attend to (a sliding window: keys outside it get
// probability exactly 0, and only the 16-key blocks that overlap the window are computed).
void attend_one(const float* q, const float* k, const float* v, size_t stride, size_t len, size_t d,
                float scale, bool divide, const float* bias, size_t window, float* out,
                size_t out_stride) {
  thread_local tensor::AlignedBuffer scratch;
  const size_t lp = (len + kWidth - 1) / kWidth * kWidth;
  // [d, lp] Kᵀ | scores [kRows, lp] | acc [d]
  float* kt = scratch.reserve(d * lp + kRows * lp + d);
  float* scores = kt + d * lp;
  float* acc = scores + kRows * lp;
  // Key rows are read contiguously and scattered into the tile's columns.
  for (size_t j = 0; j < len; ++j) {
    const float* kj = k + j * stride;
    for (size_t c = 0; c < d; ++c) kt[c * lp + j] = kj[c];
  }
  for (size_t c = 0; c < d; ++c)
    for (size_t j = len; j < lp; ++j) kt[c * lp + j] = 0.f;
  const v16 sv = simd::splat(scale);
  // Lanes at or beyond len get a huge negative score: exp gives exactly 0 there.
  const size_t last = lp - kWidth;
  v16 pad_mask_add{};
  for (size_t l = 0; l < kWidth; ++l) pad_mask_add[l] = last + l < len ? 0.f : -3.0e38f;

  for (size_t i = 0; i < len; i += kRows) {
    const size_t rows = std::min(kRows, len - i);
    const float* qr[kRows];
    float* outr[kRows];
    for (size_t r = 0; r < kRows; ++r) {
      const size_t row = i + std::min(r, rows - 1);
      qr[r] = q + row * stride;
      outr[r] = out + row * out_stride;
    }
    // Keys [j_lo, j_hi) in whole 16-key blocks: all of them, or those a window can reach from
    // rows i .. i + rows - 1.
    size_t j_lo = 0, j_hi = lp;
    if (window) {
      j_lo = i > window ? (i - window) / kWidth * kWidth : 0;
      j_hi = std::min(lp, (i + rows + window + kWidth - 1) / kWidth * kWidth);
    }
    size_t j0 = j_lo;
    for (; j0 + 2 * kWidth <= j_hi; j0 += 2 * kWidth) score_block<2>(qr, kt, lp, d, j0, scores);
    if (j0 < j_hi) score_block<1>(qr, kt, lp, d, j0, scores);
    float inv[kRows];
    for (size_t r = 0; r < kRows; ++r) {
      float* sr = scores + r * lp;
      const size_t row = i + std::min(r, rows - 1);  // rows past the last repeat the last row
      if (divide) {
        for (size_t j = j_lo; j < j_hi; j += kWidth) simd::store(sr + j, simd::load(sr + j) / sv);
      } else {
        for (size_t j = j_lo; j < j_hi; j += kWidth) simd::store(sr + j, simd::load(sr + j) * sv);
      }
      if (bias) {
        // Row i + r: key j gets bias[j - (i + r)].
        const float* br = bias - static_cast<ptrdiff_t>(row);
        for (size_t j = j_lo; j < std::min(j_hi, len); ++j) sr[j] += br[j];
      }
      if (window) {
        // Keys outside the row's window, and the padding past len, get exactly 0 probability.
        for (size_t j = j_lo; j < j_hi; ++j)
          if (j >= len || j + window < row || j > row + window) sr[j] = -3.0e38f;
      } else {
        // Padded lanes hold 0 (zero keys); adding -3e38 leaves valid lanes unchanged (+0).
        simd::store(sr + last, simd::load(sr + last) + pad_mask_add);
      }
      inv[r] = 1.f / softmax_exp_inplace(sr + j_lo, j_hi - j_lo);
    }
    const size_t keys = std::min(j_hi, len) - j_lo;
    const float* pv = scores + j_lo;
    const float* vv = v + j_lo * stride;
    switch (d) {
      case 16:
        weighted_sum<1>(pv, lp, vv, stride, keys, inv, outr, rows);
        break;
      case 32:
        weighted_sum<2>(pv, lp, vv, stride, keys, inv, outr, rows);
        break;
      case 64:
        weighted_sum<4>(pv, lp, vv, stride, keys, inv, outr, rows);
        break;
      case 128:
        weighted_sum<8>(pv, lp, vv, stride, keys, inv, outr, rows);
        break;
      default:
        weighted_sum_any(pv, lp, vv, stride, keys, d, inv, outr, rows, acc);
        break;
    }
  }
}

}  // namespace

void attention(const float* qkv, const size_t* seq_offsets, size_t num_sequences,
               AttentionShape shape, float* ctx, int threads, const AttentionOptions& options) {
  const size_t H = shape.hidden;
  const size_t heads = shape.heads;
  const size_t d = H / heads;
  const size_t stride = 3 * H;
  float scale = options.divide_by_sqrt ? static_cast<float>(std::sqrt(static_cast<double>(d)))
                                       : 1.f / std::sqrt(static_cast<float>(d));
  bool divide = options.divide_by_sqrt;
  // Dividing by a power of two is multiplying by its exact inverse: same bits, cheaper (d = 64).
  int exponent = 0;
  if (divide && std::frexp(scale, &exponent) == 0.5f) {
    scale = 1.f / scale;
    divide = false;
  }
  const size_t items = num_sequences * heads;
  const size_t tokens = seq_offsets[num_sequences] - seq_offsets[0];
  const int t = tokens * H < 4096 ? 1 : threads;
  parallel_for_dynamic(t, items, [&](size_t item) {
    const size_t s = item / heads;
    const size_t h = item % heads;
    const size_t begin = seq_offsets[s];
    const size_t len = seq_offsets[s + 1] - begin;
    if (len == 0) return;
    const float* base = qkv + begin * stride + h * d;
    const RelativeBias& rb = options.bias;
    const float* bias = rb.table ? rb.table + h * rb.stride + rb.center : nullptr;
    attend_one(base, base + H, base + 2 * H, stride, len, d, scale, divide, bias,
               static_cast<size_t>(options.window), ctx + begin * H + h * d, H);
  });
}

}  // namespace sembed::ops::cpu
