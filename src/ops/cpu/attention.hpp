// Multi-head self-attention over sequences packed back to back (no padding):
//   ctx[t, h] = softmax(q_t,h · K_s,hᵀ / sqrt(d)) · V_s,h   for every token t of sequence s.
// A token attends to exactly the tokens of its own sequence, so there is no mask, no padding and
// no FLOP spent on either. Each (sequence, head) pair is computed on one thread with a fixed
// order of operations that depends only on that sequence: the result is independent of the
// other sequences in the batch and of the thread count.
#pragma once

#include <cstddef>

namespace sembed::ops::cpu {

struct AttentionShape {
  size_t hidden = 0;  // H = heads * head_dim
  size_t heads = 0;
};

// qkv: [tokens, 3H] row-major, each row [q (H) | k (H) | v (H)], head h at columns h*d..h*d+d-1
//      of each part (d = H / heads), the layout of BERT's fused query/key/value projection.
// seq_offsets: n+1 token offsets, sequence i = tokens [seq_offsets[i], seq_offsets[i+1]).
// ctx: [tokens, H] output, heads concatenated in the same column layout.
void attention(const float* qkv, const size_t* seq_offsets, size_t num_sequences,
               AttentionShape shape, float* ctx, int threads);

}  // namespace sembed::ops::cpu
