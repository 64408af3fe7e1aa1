// The conversions around a reduced-precision matmul (ops::cpu::Linear with Precision::BFloat16
// or Precision::Int8): activations into bf16 or int8 on the way in, int32 sums back to fp32 on
// the way out. Every function works row by row, so a row's result never depends on the other
// rows of the call (batch invariance, as for fp32).
//
//   bf16:  x → bf16 by round-to-nearest-even (as torch's .to(torch.bfloat16)).
//   int8:  activations asymmetric u8, dynamic, per row (token) i: with lo_i = min(0, min_k x_ik)
//          and hi_i = max(0, max_k x_ik), s_i = (hi_i - lo_i) / 255 (1 for an all-zero row),
//          z_i = round(-lo_i / s_i), q_ik = round(x_ik / s_i) + z_i in [0, 255] (round: nearest,
//          ties to even). Asymmetric because a GELU's output spans about [-0.17, max]: a
//          symmetric code would leave half its levels unused there.
//          Weights symmetric s8 per output channel j: w_j = max_k |W_jk| / 127,
//          Q_jk = round(W_jk / w_j) in [-127, 127], and their sums S_j = Σ_k Q_jk.
//          y_ij = act(s_i · w_j · (Σ_k q_ik Q_jk − z_i S_j) + b_j)   (y_ij += ... for Accumulate)
//   smoothing (SmoothQuant, α = ½): a few input channels of BERT-like models carry values tens
//          of times larger than the rest, and a per-row scale set by them leaves the others a
//          few levels. With m_k the largest |x_k| seen on calibration text and a_k = max_j |W_jk|,
//          c_k = sqrt(m_k / a_k); the weights are quantized as W_jk · c_k and the activations as
//          x_ik / c_k (the product is unchanged), which evens out the channels of both.
// Thread safety: pure functions of their arguments.
#pragma once

#include <cstddef>
#include <cstdint>

#include "ops/cpu/linear.hpp"

namespace sembed::ops::cpu {

// bf16 bits of x by round-to-nearest-even (finite inputs).
inline uint16_t to_bf16(float x) {
  uint32_t u;
  __builtin_memcpy(&u, &x, sizeof(u));
  u += 0x7fffu + ((u >> 16) & 1u);
  return static_cast<uint16_t>(u >> 16);
}

// out[r * cols + c] = to_bf16(x[r * cols + c]) for rows [0, rows).
void convert_rows_to_bf16(const float* x, size_t rows, size_t cols, uint16_t* out, int threads);

// The weights' symmetric per-row (output channel) quantization above, of W_jk · column_scale[k]
// (column_scale may be nullptr: 1): q [rows, cols], scales [rows]. Once per weight at load, on
// the calling thread.
void quantize_rows_int8(const float* x, size_t rows, size_t cols, int8_t* q, float* scales,
                        const float* column_scale = nullptr);

// The activations' asymmetric per-row quantization above, of x_ik · column_scale[k]
// (column_scale may be nullptr): q [rows, cols], scales and zero_points [rows].
void quantize_rows_uint8(const float* x, size_t rows, size_t cols, uint8_t* q, float* scales,
                         int32_t* zero_points, int threads, const float* column_scale = nullptr);

// The smoothing factors c_k above from calibration maxima m [cols] and the weight [out, cols];
// c_k = 1 where either is zero.
void smoothing_factors(const float* input_max, const float* weight, size_t out, size_t cols,
                       float* c);

// y = epilogue(row_scales[i] * col_scales[j] * (acc[i, j] - zero_points[i] * col_sums[j]) +
// bias[j]) for rows [0, rows) of the [rows, cols] int32 sums; bias may be nullptr. Gelu is
// erf-based with erf to 1.5e-7 (simd::erf), Tanh from exp; Accumulate adds into y.
struct Int8Columns {
  const float* scales;  // w_j
  const int32_t* sums;  // S_j
  const float* bias;    // b_j, or nullptr
};
void dequantize_epilogue(const int32_t* acc, size_t rows, size_t cols, const float* row_scales,
                         const int32_t* zero_points, const Int8Columns& columns, Epilogue epilogue,
                         float* y, int threads);

}  // namespace sembed::ops::cpu
