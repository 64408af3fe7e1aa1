// LayerNorm over the last dimension, as torch.nn.LayerNorm: y = (x - mean) / sqrt(var + eps) *
// gamma + beta, with the biased variance. Rows are independent and each row's arithmetic depends
// only on that row, so results do not depend on batching or on the thread count.
#pragma once

#include <cstddef>

namespace sembed::ops::cpu {

// x: [rows, width] row-major; y may equal x (in place). gamma, beta: [width].
void layer_norm(const float* x, float* y, size_t rows, size_t width, const float* gamma,
                const float* beta, float eps, int threads);

}  // namespace sembed::ops::cpu
