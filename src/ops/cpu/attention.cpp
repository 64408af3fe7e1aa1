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
// Sequences longer than 1,024 tokens without a window are computed in tiles instead (attend_tiled:
// 64 query rows per 256-key tile, online softmax), so that each K and V tile is read from cache
// by 64 rows rather than from memory by 4.
// All loop bounds depend only on L, d and the window, so a sequence's result depends only on itself.
#include "ops/cpu/attention.hpp"

#include <algorithm>
#include <cmath>

#include "ops/cpu/parallel.hpp"
#include "ops/cpu/simd.hpp"
#include "ops/cpu/softmax.hpp"
#include "ops/cpu/vec_math.hpp"
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

// out[r * out_stride + j - j0] = sum_c q_r[c] * kt[c * ldk + j] for the kRows rows and j in
// [j0, j0 + V * lanes), in vectors of type Vec (v16, or simd::vn for the tiled path).
template <size_t V, typename Vec = v16>
inline void score_block(const float* const* q, const float* kt, size_t ldk, size_t d, size_t j0,
                        float* out, size_t out_stride) {
  constexpr size_t kLanes = sizeof(Vec) / sizeof(float);
  Vec acc[kRows][V] = {};
  for (size_t c = 0; c < d; ++c) {
    const float* row = kt + c * ldk + j0;
    Vec kv[V];
    for (size_t v = 0; v < V; ++v) kv[v] = simd::load_as<Vec>(row + v * kLanes);
    for (size_t r = 0; r < kRows; ++r) {
      const Vec qc = simd::splat_as<Vec>(q[r][c]);
      for (size_t v = 0; v < V; ++v) acc[r][v] += qc * kv[v];
    }
  }
  for (size_t r = 0; r < kRows; ++r)
    for (size_t v = 0; v < V; ++v) simd::store_as<Vec>(out + r * out_stride + v * kLanes, acc[r][v]);
}

// acc[r] += sum_j p_r[j] * v_j[0 : NV * lanes] over `keys` keys, for R rows (p_r = p + r *
// p_stride).
template <size_t R, size_t NV, typename Vec>
inline void accumulate_pv(const float* p, size_t p_stride, const float* v, size_t stride,
                          size_t keys, Vec (&acc)[R][NV]) {
  constexpr size_t kLanes = sizeof(Vec) / sizeof(float);
  for (size_t j = 0; j < keys; ++j) {
    const float* vj = v + j * stride;
    Vec vv[NV];
    for (size_t k = 0; k < NV; ++k) vv[k] = simd::load_as<Vec>(vj + k * kLanes);
    for (size_t r = 0; r < R; ++r) {
      const Vec pj = simd::splat_as<Vec>(p[r * p_stride + j]);
      for (size_t k = 0; k < NV; ++k) acc[r][k] += pj * vv[k];
    }
  }
}

// out_r[0:16*NV] = (sum_j p_r[j] * v_j[0:16*NV]) * inv_r for the first `rows` rows, for head
// sizes that are whole vectors.
template <size_t NV>
inline void weighted_sum(const float* p, size_t lp, const float* v, size_t stride, size_t len,
                         const float* inv, float* const* out, size_t rows) {
  v16 acc[kRows][NV] = {};
  accumulate_pv<kRows, NV>(p, lp, v, stride, len, acc);
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

// kt[c * width + j] = k_j[c], zero for j in [len, width): Kᵀ as a [d, width] tile (width >=
// len). Key rows are read contiguously and scattered into the tile's columns.
void transpose_keys(const float* k, size_t stride, size_t len, size_t d, size_t width,
                    float* kt) {
  for (size_t j = 0; j < len; ++j) {
    const float* kj = k + j * stride;
    for (size_t c = 0; c < d; ++c) kt[c * width + j] = kj[c];
  }
  for (size_t c = 0; c < d; ++c)
    for (size_t j = len; j < width; ++j) kt[c * width + j] = 0.f;
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
  transpose_keys(k, stride, len, d, lp, kt);
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
    for (; j0 + 2 * kWidth <= j_hi; j0 += 2 * kWidth)
      score_block<2>(qr, kt, lp, d, j0, scores + j0, lp);
    if (j0 < j_hi) score_block<1>(qr, kt, lp, d, j0, scores + j0, lp);
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

// Sequences longer than this go through attend_tiled (global attention only): past it, Kᵀ and V
// of one head no longer stay in the core's caches while attend_one streams them once per 4
// query rows. Shorter sequences keep attend_one's exact order of operations.
constexpr size_t kTiledFrom = 1024;
constexpr size_t kTileRows = 64;   // query rows sharing each key tile
constexpr size_t kTileKeys = 256;  // keys per tile (a multiple of 16)

// The tiled path's kernels are blocked in the machine's own vector width (simd::vn) so that
// their accumulators stay in registers on AVX2 as well (attend_one's v16 blocks spill there).
using simd::kNativeWidth;
using simd::vn;
constexpr size_t kScoreVectors = 2;                               // vn per score block row
constexpr size_t kScoreKeys = kScoreVectors * kNativeWidth;       // keys per score block
constexpr size_t kPvRows = 2, kPvVectors = 2;                     // rows x vn per P·V block
constexpr size_t kPvColumns = kPvVectors * kNativeWidth;          // head columns per P·V block

// score_block and accumulate_pv in the native width, out of line: inlined into attend_tiled's
// loop nest, GCC 12 spilled their accumulators to the stack.
__attribute__((noinline)) void tile_scores(const float* const* q, const float* kt, size_t ldk,
                                           size_t d, size_t j0, float* out, size_t out_stride) {
  score_block<kScoreVectors, vn>(q, kt, ldk, d, j0, out, out_stride);
}

// acc_r[c0 : c0 + kPvColumns] += sum_j p_r[j] * v_j[c0 : c0 + kPvColumns] for kPvRows rows.
__attribute__((noinline)) void tile_pv(const float* p, size_t p_stride, const float* v,
                                       size_t stride, size_t keys, size_t c0, float* const* acc) {
  vn a[kPvRows][kPvVectors];
  for (size_t r = 0; r < kPvRows; ++r)
    for (size_t k = 0; k < kPvVectors; ++k)
      a[r][k] = simd::load_as<vn>(acc[r] + c0 + k * kNativeWidth);
  accumulate_pv<kPvRows, kPvVectors>(p, p_stride, v + c0, stride, keys, a);
  for (size_t r = 0; r < kPvRows; ++r)
    for (size_t k = 0; k < kPvVectors; ++k)
      simd::store_as<vn>(acc[r] + c0 + k * kNativeWidth, a[r][k]);
}

// Head sizes that are not whole P·V blocks: plain loops.
void tile_pv_any(const float* p, size_t p_stride, const float* v, size_t stride, size_t keys,
                 size_t d, float* const* acc) {
  for (size_t r = 0; r < kPvRows; ++r)
    for (size_t j = 0; j < keys; ++j) {
      const float pj = p[r * p_stride + j];
      const float* vj = v + j * stride;
      for (size_t c = 0; c < d; ++c) acc[r][c] += pj * vj[c];
    }
}

// attend_one's result for a long sequence without a window, computed flash-attention style:
// blocks of kTileRows query rows walk the keys in tiles of kTileKeys, keeping per row a running
// maximum m, a running sum l of exp(score - m) and an accumulator of p·V rescaled by
// exp(m_old - m_new) whenever the maximum grows; the output is acc / l. Each K and V tile is
// reused by 64 query rows while it is in cache. Scratch: Kᵀ [d, Lp] plus fixed-size tiles.
void attend_tiled(const float* q, const float* k, const float* v, size_t stride, size_t len,
                  size_t d, float scale, bool divide, const float* bias, float* out,
                  size_t out_stride) {
  thread_local tensor::AlignedBuffer scratch;
  const size_t lp = (len + kWidth - 1) / kWidth * kWidth;
  // [d, lp] Kᵀ | scores [kTileRows, kTileKeys] | acc [kTileRows, d] | m, l [kTileRows]
  // Kᵀ rows a score block longer than lp, rounded to whole blocks: with lp a power of two (2,048,
  // 8,192, ...) the d rows of a key tile would all fall into the same cache sets.
  const size_t ldk = (lp + kScoreKeys - 1) / kScoreKeys * kScoreKeys + kScoreKeys;
  float* kt = scratch.reserve(d * ldk + kTileRows * kTileKeys + kTileRows * d + 2 * kTileRows);
  float* scores = kt + d * ldk;
  float* acc = scores + kTileRows * kTileKeys;
  float* m = acc + kTileRows * d;
  float* l = m + kTileRows;
  transpose_keys(k, stride, len, d, ldk, kt);  // zeros up to ldk: score blocks may read past lp
  const v16 sv = simd::splat(scale);

  for (size_t i0 = 0; i0 < len; i0 += kTileRows) {
    const size_t block_rows = std::min(kTileRows, len - i0);
    for (size_t r = 0; r < kTileRows; ++r) {
      m[r] = -3.0e38f;
      l[r] = 0.f;
    }
    std::fill(acc, acc + kTileRows * d, 0.f);
    for (size_t j0 = 0; j0 < lp; j0 += kTileKeys) {
      const size_t tile = std::min(kTileKeys, lp - j0);     // a multiple of 16
      const size_t keys = std::min(tile, len - j0);          // real keys in the tile
      for (size_t g = 0; g < block_rows; g += kRows) {
        // Rows of the group past the block's last repeat it (their accumulators are unused).
        size_t rows[kRows];
        const float* qr[kRows];
        float* accr[kRows];
        for (size_t r = 0; r < kRows; ++r) {
          rows[r] = i0 + std::min(g + r, block_rows - 1);
          qr[r] = q + rows[r] * stride;
          accr[r] = acc + (g + r) * d;
        }
        float* sg = scores + g * kTileKeys;
        // Kᵀ has ldk >= lp + kScoreKeys columns, so the last block may run past lp into zeros.
        for (size_t jj = 0; jj < tile; jj += kScoreKeys)
          tile_scores(qr, kt, ldk, d, j0 + jj, sg + jj, kTileKeys);
        for (size_t r = 0; r < kRows; ++r) {
          float* sr = sg + r * kTileKeys;
          for (size_t j = 0; j < tile; j += kWidth)
            simd::store(sr + j, divide ? simd::load(sr + j) / sv : simd::load(sr + j) * sv);
          if (bias) {
            const float* br = bias - static_cast<ptrdiff_t>(rows[r]) + static_cast<ptrdiff_t>(j0);
            for (size_t j = 0; j < keys; ++j) sr[j] += br[j];
          }
          for (size_t j = keys; j < tile; ++j) sr[j] = -3.0e38f;  // padding: probability 0
          v16 mv = simd::load(sr);
          for (size_t j = kWidth; j < tile; j += kWidth) mv = simd::max(mv, simd::load(sr + j));
          const size_t slot = g + r;
          const float m_new = std::max(m[slot], simd::hmax(mv));
          const float correction = exp_approx(m[slot] - m_new);  // 0 on the first tile
          const v16 mn = simd::splat(m_new);
          v16 sum{};
          for (size_t j = 0; j < tile; j += kWidth) {
            const v16 e = simd::exp(simd::load(sr + j) - mn);
            simd::store(sr + j, e);
            sum += e;
          }
          l[slot] = l[slot] * correction + simd::hsum(sum);
          m[slot] = m_new;
          if (correction != 1.f)
            for (size_t c = 0; c < d; ++c) accr[r][c] *= correction;
        }
        const float* vt = v + j0 * stride;
        for (size_t r = 0; r < kRows; r += kPvRows) {
          const float* pr = sg + r * kTileKeys;
          if (d % kPvColumns == 0) {
            for (size_t c0 = 0; c0 < d; c0 += kPvColumns)
              tile_pv(pr, kTileKeys, vt, stride, keys, c0, accr + r);
          } else {
            tile_pv_any(pr, kTileKeys, vt, stride, keys, d, accr + r);
          }
        }
      }
    }
    for (size_t r = 0; r < block_rows; ++r) {
      const float inv = 1.f / l[r];
      float* o = out + (i0 + r) * out_stride;
      for (size_t c = 0; c < d; ++c) o[c] = acc[r * d + c] * inv;
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
    const size_t window = static_cast<size_t>(options.window);
    if (window == 0 && len > kTiledFrom)
      attend_tiled(base, base + H, base + 2 * H, stride, len, d, scale, divide, bias,
                   ctx + begin * H + h * d, H);
    else
      attend_one(base, base + H, base + 2 * H, stride, len, d, scale, divide, bias, window,
                 ctx + begin * H + h * d, H);
  });
}

}  // namespace sembed::ops::cpu
