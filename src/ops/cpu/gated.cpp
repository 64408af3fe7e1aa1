// See gated.hpp. Elementwise and memory-bound next to the matmuls around it; std::erf / std::exp
// keep it exact to the last bits rather than fast.
#include "ops/cpu/gated.hpp"

#include <cmath>

#include "ops/cpu/parallel.hpp"

namespace sembed::ops::cpu {

void gated_activation(const float* z, size_t rows, size_t width, GateActivation act, float* out,
                      int threads) {
  const int t = rows * width < 16384 ? 1 : threads;
  parallel_for(t, rows, [&](size_t begin, size_t end) {
    for (size_t r = begin; r < end; ++r) {
      const float* a = z + r * 2 * width;
      const float* b = a + width;
      float* o = out + r * width;
      if (act == GateActivation::Silu) {
        for (size_t i = 0; i < width; ++i) o[i] = a[i] / (1.f + std::exp(-a[i])) * b[i];
      } else {
        for (size_t i = 0; i < width; ++i)
          o[i] = 0.5f * a[i] * (1.f + std::erf(a[i] * 0.70710678118654752f)) * b[i];
      }
    }
  });
}

}  // namespace sembed::ops::cpu
