// See low_precision.hpp. Plain loops over rows with a 16-lane body (simd::v16) for the
// elementwise work; memory-bound next to the matmul they surround.
#include "ops/cpu/low_precision.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "ops/cpu/parallel.hpp"
#include "ops/cpu/simd.hpp"

namespace sembed::ops::cpu {
namespace {

// Below this many elements the work is not worth waking other threads for.
constexpr size_t kSerialElements = 16384;

int threads_for(size_t elements, int threads) { return elements < kSerialElements ? 1 : threads; }

// Round to nearest, ties to even, for |v| < 2^22: add and subtract 1.5 * 2^23.
inline float round_even(float v) {
  const float shifter = 12582912.f;
  return (v + shifter) - shifter;
}

inline float gelu(float v) { return 0.5f * v * (1.f + std::erf(v * 0.70710678118654752f)); }

inline simd::v16 gelu(simd::v16 v) {
  return simd::splat(0.5f) * v * (simd::splat(1.f) + simd::erf(v * 0.70710678118654752f));
}

// tanh(v) = 1 - 2 / (exp(2v) + 1): exact limits ±1, no overflow (exp clamps).
inline simd::v16 tanh_of(simd::v16 v) {
  return simd::splat(1.f) - simd::splat(2.f) / (simd::exp(v + v) + simd::splat(1.f));
}
inline float tanh_of(float v) { return std::tanh(v); }

inline simd::v16 relu(simd::v16 v) { return v > simd::splat(0.f) ? v : simd::splat(0.f); }
inline float relu(float v) { return std::max(v, 0.f); }

// The epilogue on a value (float) or 16 lanes (v16); prior() gives y's value for Accumulate.
template <typename V, typename Prior>
V apply_epilogue(Epilogue epilogue, V v, Prior prior) {
  switch (epilogue) {
    case Epilogue::None:
      return v;
    case Epilogue::Gelu:
      return gelu(v);
    case Epilogue::Tanh:
      return tanh_of(v);
    case Epilogue::Relu:
      return relu(v);
    case Epilogue::Accumulate:
      return v + prior();
  }
  return v;
}

}  // namespace

void convert_rows_to_bf16(const float* x, size_t rows, size_t cols, uint16_t* out, int threads) {
  parallel_for(threads_for(rows * cols, threads), rows, [&](size_t r0, size_t r1) {
    const float* in = x + r0 * cols;
    uint16_t* o = out + r0 * cols;
    const size_t n = (r1 - r0) * cols;
    for (size_t i = 0; i < n; ++i) o[i] = to_bf16(in[i]);
  });
}

void quantize_rows_int8(const float* x, size_t rows, size_t cols, int8_t* q, float* scales,
                        const float* column_scale) {
  std::vector<float> scaled(cols);
  for (size_t r = 0; r < rows; ++r) {
    for (size_t c = 0; c < cols; ++c)
      scaled[c] = column_scale ? x[r * cols + c] * column_scale[c] : x[r * cols + c];
    float amax = 0.f;
    for (size_t c = 0; c < cols; ++c) amax = std::max(amax, std::fabs(scaled[c]));
    const float inv = amax > 0.f ? 127.f / amax : 0.f;
    int8_t* o = q + r * cols;
    for (size_t c = 0; c < cols; ++c)
      o[c] = static_cast<int8_t>(std::clamp(round_even(scaled[c] * inv), -127.f, 127.f));
    scales[r] = amax > 0.f ? amax / 127.f : 1.f;
  }
}

void quantize_rows_uint8(const float* x, size_t rows, size_t cols, uint8_t* q, float* scales,
                         int32_t* zero_points, int threads, const float* column_scale) {
  // Explicit 16-lane loops: the compiler left the plain ones scalar (the float -> u8 narrowing
  // and the min/max reductions), and this pass was 32% of an int8 run on long texts.
  using simd::v16;
  using simd::vi16;
  typedef uint8_t vu8 __attribute__((vector_size(16)));
  constexpr size_t W = simd::kWidth;
  const size_t body = cols / W * W;
  parallel_for(threads_for(rows * cols, threads), rows, [&](size_t r0, size_t r1) {
    for (size_t r = r0; r < r1; ++r) {
      const float* in = x + r * cols;
      auto value = [&](size_t c) {
        const v16 v = simd::load(in + c);
        return column_scale ? v * simd::load(column_scale + c) : v;
      };
      auto scalar = [&](size_t c) { return column_scale ? in[c] * column_scale[c] : in[c]; };
      v16 vlo = simd::splat(0.f), vhi = simd::splat(0.f);
      for (size_t c = 0; c < body; c += W) {
        const v16 v = value(c);
        vlo = v < vlo ? v : vlo;
        vhi = simd::max(vhi, v);
      }
      float lo = -simd::hmax(-vlo), hi = simd::hmax(vhi);
      for (size_t c = body; c < cols; ++c) {
        lo = std::min(lo, scalar(c));
        hi = std::max(hi, scalar(c));
      }
      const float scale = hi > lo ? (hi - lo) / 255.f : 1.f;
      const float inv = hi > lo ? 255.f / (hi - lo) : 0.f;
      const float zero = std::clamp(round_even(-lo * inv), 0.f, 255.f);
      uint8_t* o = q + r * cols;
      const v16 shifter = simd::splat(12582912.f), top = simd::splat(255.f);
      for (size_t c = 0; c < body; c += W) {
        v16 v = ((value(c) * inv + shifter) - shifter) + zero;  // round_even, vectorised
        v = v < simd::splat(0.f) ? simd::splat(0.f) : v;
        v = v > top ? top : v;
        const vu8 b = __builtin_convertvector(__builtin_convertvector(v, vi16), vu8);
        std::memcpy(o + c, &b, sizeof(b));
      }
      for (size_t c = body; c < cols; ++c)
        o[c] = static_cast<uint8_t>(std::clamp(round_even(scalar(c) * inv) + zero, 0.f, 255.f));
      scales[r] = scale;
      zero_points[r] = static_cast<int32_t>(zero);
    }
  });
}

void smoothing_factors(const float* input_max, const float* weight, size_t out, size_t cols,
                       float* c) {
  std::vector<float> wmax(cols, 0.f);
  for (size_t j = 0; j < out; ++j)
    for (size_t k = 0; k < cols; ++k) wmax[k] = std::max(wmax[k], std::fabs(weight[j * cols + k]));
  for (size_t k = 0; k < cols; ++k)
    c[k] = input_max[k] > 0.f && wmax[k] > 0.f ? std::sqrt(input_max[k] / wmax[k]) : 1.f;
}

void dequantize_epilogue(const int32_t* acc, size_t rows, size_t cols, const float* row_scales,
                         const int32_t* zero_points, const Int8Columns& columns, Epilogue epilogue,
                         float* y, int threads) {
  const float* col_scales = columns.scales;
  const int32_t* col_sums = columns.sums;
  const float* bias = columns.bias;
  using simd::v16;
  constexpr size_t W = simd::kWidth;
  parallel_for(threads_for(rows * cols, threads), rows, [&](size_t r0, size_t r1) {
    for (size_t r = r0; r < r1; ++r) {
      const int32_t* a = acc + r * cols;
      float* o = y + r * cols;
      const float s = row_scales[r];
      const int32_t z = zero_points[r];
      size_t c = 0;
      for (; c + W <= cols; c += W) {
        simd::vi16 ai, si;
        __builtin_memcpy(&ai, a + c, sizeof(ai));
        __builtin_memcpy(&si, col_sums + c, sizeof(si));
        ai = ai - si * z;  // exact: |Σ q Q| < 2^31 for any width a model has
        v16 v = __builtin_convertvector(ai, v16) * s * simd::load(col_scales + c);
        if (bias) v = v + simd::load(bias + c);
        v = apply_epilogue(epilogue, v, [&] { return simd::load(o + c); });
        simd::store(o + c, v);
      }
      for (; c < cols; ++c) {  // the last cols % 16 (none in common models)
        float v =
            static_cast<float>(a[c] - col_sums[c] * z) * s * col_scales[c] + (bias ? bias[c] : 0.f);
        o[c] = apply_epilogue(epilogue, v, [&] { return o[c]; });
      }
    }
  });
}

}  // namespace sembed::ops::cpu
