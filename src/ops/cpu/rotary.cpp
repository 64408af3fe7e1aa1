// See rotary.hpp.
#include "ops/cpu/rotary.hpp"

#include <cmath>

#include "ops/cpu/parallel.hpp"

namespace sembed::ops::cpu {

RotaryTable::RotaryTable(double base, size_t head_dim, size_t max_positions)
    : half_(head_dim / 2), max_positions_(max_positions) {
  std::vector<float> inv_freq(half_);
  for (size_t i = 0; i < half_; ++i) {
    // torch: 1.0 / (base ** (arange(0, d, 2, dtype=float32) / d)), all in float32.
    const float exponent = static_cast<float>(2 * i) / static_cast<float>(head_dim);
    const float power = static_cast<float>(std::pow(base, static_cast<double>(exponent)));
    inv_freq[i] = 1.f / power;
  }
  cos_.resize(max_positions * half_);
  sin_.resize(max_positions * half_);
  for (size_t p = 0; p < max_positions; ++p)
    for (size_t i = 0; i < half_; ++i) {
      const float angle = static_cast<float>(p) * inv_freq[i];  // rounded to float, as torch
      cos_[p * half_ + i] = static_cast<float>(std::cos(static_cast<double>(angle)));
      sin_[p * half_ + i] = static_cast<float>(std::sin(static_cast<double>(angle)));
    }
}

namespace {

// One head vector x of size 2 * half at position p.
inline void rotate(float* x, const float* c, const float* s, size_t half) {
  float* x2 = x + half;
  for (size_t i = 0; i < half; ++i) {
    const float a = x[i], b = x2[i];
    // (x * cos) + (rotate_half(x) * sin), each product rounded as torch rounds it.
    const float ac = a * c[i], bs = b * s[i], bc = b * c[i], as = a * s[i];
    x[i] = ac - bs;
    x2[i] = bc + as;
  }
}

}  // namespace

void apply_rotary(float* qkv, const size_t* seq_offsets, size_t num_sequences, size_t hidden,
                  size_t heads, const RotaryTable& table, int threads) {
  const size_t d = hidden / heads, half = table.half(), stride = 3 * hidden;
  const size_t tokens = seq_offsets[num_sequences] - seq_offsets[0];
  const int t = tokens * hidden < 16384 ? 1 : threads;
  parallel_for(t, num_sequences, [&](size_t begin, size_t end) {
    for (size_t s = begin; s < end; ++s)
      for (size_t tok = seq_offsets[s]; tok < seq_offsets[s + 1]; ++tok) {
        const size_t p = tok - seq_offsets[s];
        const float* c = table.cos(p);
        const float* sn = table.sin(p);
        float* row = qkv + tok * stride;
        for (size_t h = 0; h < heads; ++h) {
          rotate(row + h * d, c, sn, half);           // query
          rotate(row + hidden + h * d, c, sn, half);  // key
        }
      }
  });
}

}  // namespace sembed::ops::cpu
