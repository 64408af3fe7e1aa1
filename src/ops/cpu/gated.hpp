// The gate of a gated MLP (SwiGLU: NomicBERT; GeGLU: ModernBERT): from one fused projection
// z = [a | b] of width 2I per token, out = act(a) * b of width I. The activation is computed as
// torch computes it: silu(a) = a * sigmoid(a) = a / (1 + exp(-a)), gelu(a) = a/2 * (1 + erf(a/√2)).
// Rows are independent, so results do not depend on batching or on the thread count.
#pragma once

#include <cstddef>

namespace sembed::ops::cpu {

enum class GateActivation { Gelu, Silu };

// z: [rows, 2 * width]; out: [rows, width].
void gated_activation(const float* z, size_t rows, size_t width, GateActivation act, float* out,
                      int threads);

}  // namespace sembed::ops::cpu
