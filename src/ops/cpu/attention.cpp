// See attention.hpp. Per (sequence, head), with L keys padded to Lp (a multiple of 16):
//   1. Kᵀ is copied into a contiguous [d, Lp] tile (zero in the padding columns), so scores are
//      computed 16 keys at a time with unit-stride loads and 4×16 accumulators kept in registers;
//   2. padded scores are set to a huge negative value, so softmax runs on whole 16-lane vectors
//      and the padding gets probability exactly 0;
//   3. P·V is accumulated over keys, vectorised over the head dimension, then scaled by 1/sum.
// All loop bounds depend only on L and d, so a sequence's result depends only on itself.
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

// scores[j] = sum_c q[c] * kt[c * lp + j] for j in [j0, j0 + 16 * V): V vectors of keys,
// accumulated over c in registers.
template <size_t V>
inline void score_block(const float* q, const float* kt, size_t lp, size_t d, size_t j0,
                        float* scores) {
  v16 acc[V] = {};
  for (size_t c = 0; c < d; ++c) {
    const v16 qc = simd::splat(q[c]);
    const float* row = kt + c * lp + j0;
    for (size_t v = 0; v < V; ++v) acc[v] += qc * simd::load(row + v * kWidth);
  }
  for (size_t v = 0; v < V; ++v) simd::store(scores + j0 + v * kWidth, acc[v]);
}

// out[0:16*NV] = (sum_j p[j] * v_j[0:16*NV]) * inv, for head sizes that are whole vectors.
template <size_t NV>
inline void weighted_sum(const float* p, const float* v, size_t stride, size_t len, float inv,
                         float* out) {
  v16 acc[NV] = {};
  for (size_t j = 0; j < len; ++j) {
    const v16 pj = simd::splat(p[j]);
    const float* vj = v + j * stride;
    for (size_t k = 0; k < NV; ++k) acc[k] += pj * simd::load(vj + k * kWidth);
  }
  const v16 iv = simd::splat(inv);
  for (size_t k = 0; k < NV; ++k) simd::store(out + k * kWidth, acc[k] * iv);
}

// Any head size: scalar accumulation into acc[d].
inline void weighted_sum_any(const float* p, const float* v, size_t stride, size_t len, size_t d,
                             float inv, float* acc, float* out) {
  for (size_t c = 0; c < d; ++c) acc[c] = 0.f;
  for (size_t j = 0; j < len; ++j) {
    const float pj = p[j];
    const float* vj = v + j * stride;
    for (size_t c = 0; c < d; ++c) acc[c] += pj * vj[c];
  }
  for (size_t c = 0; c < d; ++c) out[c] = acc[c] * inv;
}

// One (sequence, head) pair. q, k, v point at the head's first column in the first token's row;
// rows are `stride` floats apart. out likewise with stride `out_stride`.
void attend_one(const float* q, const float* k, const float* v, size_t stride, size_t len, size_t d,
                float scale, float* out, size_t out_stride) {
  thread_local tensor::AlignedBuffer scratch;
  const size_t lp = (len + kWidth - 1) / kWidth * kWidth;
  float* kt = scratch.reserve(d * lp + lp + d);  // [d, lp] | scores [lp] | acc [d]
  float* scores = kt + d * lp;
  float* acc = scores + lp;
  for (size_t c = 0; c < d; ++c) {
    float* row = kt + c * lp;
    for (size_t j = 0; j < len; ++j) row[j] = k[j * stride + c];
    for (size_t j = len; j < lp; ++j) row[j] = 0.f;
  }
  const v16 sv = simd::splat(scale);
  // Lanes at or beyond len get a huge negative score: exp gives exactly 0 there.
  const size_t last = lp - kWidth;
  v16 pad_mask_add{};
  for (size_t l = 0; l < kWidth; ++l) pad_mask_add[l] = last + l < len ? 0.f : -3.0e38f;

  for (size_t i = 0; i < len; ++i) {
    const float* qi = q + i * stride;
    size_t j0 = 0;
    for (; j0 + 4 * kWidth <= lp; j0 += 4 * kWidth) score_block<4>(qi, kt, lp, d, j0, scores);
    switch ((lp - j0) / kWidth) {
      case 3:
        score_block<3>(qi, kt, lp, d, j0, scores);
        break;
      case 2:
        score_block<2>(qi, kt, lp, d, j0, scores);
        break;
      case 1:
        score_block<1>(qi, kt, lp, d, j0, scores);
        break;
      default:
        break;
    }
    for (size_t j = 0; j < lp; j += kWidth) simd::store(scores + j, simd::load(scores + j) * sv);
    // Padded lanes hold 0 (zero keys); adding -3e38 leaves valid lanes unchanged (+0).
    simd::store(scores + last, simd::load(scores + last) + pad_mask_add);
    const float inv = 1.f / softmax_exp_inplace(scores, lp);
    float* oi = out + i * out_stride;
    switch (d) {
      case 16:
        weighted_sum<1>(scores, v, stride, len, inv, oi);
        break;
      case 32:
        weighted_sum<2>(scores, v, stride, len, inv, oi);
        break;
      case 64:
        weighted_sum<4>(scores, v, stride, len, inv, oi);
        break;
      case 128:
        weighted_sum<8>(scores, v, stride, len, inv, oi);
        break;
      default:
        weighted_sum_any(scores, v, stride, len, d, inv, acc, oi);
        break;
    }
  }
}

}  // namespace

void attention(const float* qkv, const size_t* seq_offsets, size_t num_sequences,
               AttentionShape shape, float* ctx, int threads) {
  const size_t H = shape.hidden;
  const size_t heads = shape.heads;
  const size_t d = H / heads;
  const size_t stride = 3 * H;
  const float scale = 1.f / std::sqrt(static_cast<float>(d));
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
    attend_one(base, base + H, base + 2 * H, stride, len, d, scale, ctx + begin * H + h * d, H);
  });
}

}  // namespace sembed::ops::cpu
