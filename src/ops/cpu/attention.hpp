// Multi-head self-attention over sequences packed back to back (no padding):
//   ctx[t, h] = softmax(q_t,h · K_s,hᵀ / sqrt(d) + bias_h(t, ·)) · V_s,h   for every token t of s.
// The optional additive bias depends only on the head and the relative position j - i (MPNet's
// bucketed relative-position bias; T5-style biases, ALiBi and the like fit the same table).
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

// bias for head h, query i, key j (positions within the sequence): table[h * stride + center +
// j - i]. The table must cover j - i in [-(L-1), L-1] for the longest sequence L.
struct RelativeBias {
  const float* table = nullptr;  // nullptr: no bias
  size_t stride = 0;             // floats per head
  size_t center = 0;             // index of relative position 0
};

struct AttentionOptions {
  // Scores as (q·k) / sqrt(d) (MPNet) instead of (q·k) * (1/sqrt(d)) (eager_attention_forward);
  // the two differ in the last bit when sqrt(d) is not a power of two.
  bool divide_by_sqrt = false;
  RelativeBias bias;
  // > 0: query i attends only to keys j with |i - j| <= window (ModernBERT's local layers).
  int window = 0;
};

// qkv: [tokens, 3H] row-major, each row [q (H) | k (H) | v (H)], head h at columns h*d..h*d+d-1
//      of each part (d = H / heads), the layout of BERT's fused query/key/value projection.
// seq_offsets: n+1 token offsets, sequence i = tokens [seq_offsets[i], seq_offsets[i+1]).
// ctx: [tokens, H] output, heads concatenated in the same column layout.
void attention(const float* qkv, const size_t* seq_offsets, size_t num_sequences,
               AttentionShape shape, float* ctx, int threads, const AttentionOptions& options = {});

}  // namespace sembed::ops::cpu
