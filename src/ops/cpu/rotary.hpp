// Rotary position embeddings (RoPE) applied in place to the queries and keys of a fused
// [q | k | v] projection, in the rotate-half layout of transformers' apply_rotary_pos_emb (used by
// ModernBERT, NomicBERT, GTE): for a head vector x of size d and position p, with
// angle_i = p * inv_freq_i (i < d/2),
//   x'[i]       = x[i] * cos(angle_i) - x[i + d/2] * sin(angle_i)
//   x'[i + d/2] = x[i + d/2] * cos(angle_i) + x[i] * sin(angle_i).
// p is the token's index inside its own sequence (restarting at 0 for each packed sequence).
// Values are not touched: only q and k rotate.
#pragma once

#include <cstddef>
#include <vector>

namespace sembed::ops::cpu {

// cos and sin of every angle for positions [0, max_positions), computed once per RoPE base as
// transformers computes them in float32: inv_freq_i = 1 / base^(2i / d) rounded to float,
// angle = float(p) * inv_freq_i rounded to float, then cos / sin of that float.
class RotaryTable {
 public:
  RotaryTable() = default;
  RotaryTable(double base, size_t head_dim, size_t max_positions);

  size_t half() const { return half_; }
  size_t max_positions() const { return max_positions_; }
  // [half] cosines / sines for position p.
  const float* cos(size_t p) const { return cos_.data() + p * half_; }
  const float* sin(size_t p) const { return sin_.data() + p * half_; }

 private:
  size_t half_ = 0, max_positions_ = 0;
  std::vector<float> cos_, sin_;
};

// qkv: [tokens, 3H], each row [q | k | v], head h at columns h*d .. h*d+d-1 of each part.
// Rotates q and k of every token of sequences [seq_offsets[0], seq_offsets[n]).
void apply_rotary(float* qkv, const size_t* seq_offsets, size_t num_sequences, size_t hidden,
                  size_t heads, const RotaryTable& table, int threads);

}  // namespace sembed::ops::cpu
