// See attention.hpp. Per (sequence, head): Kᵀ is copied into a contiguous [d, L] tile so the
// score loop streams it with unit stride (vectorised over keys), then softmax, then P·V
// vectorised over the head dimension.
#include "ops/cpu/attention.hpp"

#include <algorithm>
#include <cmath>

#include "ops/cpu/parallel.hpp"
#include "ops/cpu/softmax.hpp"
#include "tensor/aligned_buffer.hpp"

namespace sembed::ops::cpu {
namespace {

// One (sequence, head) pair. q, k, v point at the head's first column in the first token's row;
// rows are `stride` floats apart. out likewise with stride `out_stride`.
void attend_one(const float* q, const float* k, const float* v, size_t stride, size_t len, size_t d,
                float scale, float* out, size_t out_stride) {
  thread_local tensor::AlignedBuffer scratch;
  // Rows of the [d, len] tile are padded to a multiple of 16 floats (one cache line).
  const size_t lp = (len + 15) & ~size_t{15};
  float* kt = scratch.reserve(d * lp + lp + d);  // [d, lp] | scores [lp] | acc [d]
  float* scores = kt + d * lp;
  float* acc = scores + lp;
  for (size_t j = 0; j < len; ++j)
    for (size_t c = 0; c < d; ++c) kt[c * lp + j] = k[j * stride + c];

  for (size_t i = 0; i < len; ++i) {
    const float* qi = q + i * stride;
    for (size_t j = 0; j < len; ++j) scores[j] = 0.f;
    for (size_t c = 0; c < d; ++c) {
      const float qc = qi[c];
      const float* row = kt + c * lp;
      for (size_t j = 0; j < len; ++j) scores[j] += qc * row[j];
    }
    for (size_t j = 0; j < len; ++j) scores[j] *= scale;
    const float inv = 1.f / softmax_exp_inplace(scores, len);
    for (size_t c = 0; c < d; ++c) acc[c] = 0.f;
    for (size_t j = 0; j < len; ++j) {
      const float p = scores[j];
      const float* vj = v + j * stride;
      for (size_t c = 0; c < d; ++c) acc[c] += p * vj[c];
    }
    float* oi = out + i * out_stride;
    for (size_t c = 0; c < d; ++c) oi[c] = acc[c] * inv;
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
  size_t tokens = seq_offsets[num_sequences] - seq_offsets[0];
  const int t = tokens * H < 4096 ? 1 : threads;
  parallel_for_dynamic(t, items, [&](size_t item) {
    // Longest sequences first would balance better; items are cheap enough at BERT lengths.
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
