// fp32 matmul for calls of fewer than 16 rows (a lone short sentence: ~10 tokens), reading the
// weights oneDNN already prepacked for its AVX-512 brgemm kernel, with the same bits.
//
// Why by hand: at so few rows a matmul is a stream of the weights past a handful of activation
// rows. On 2 threads of an Intel Xeon (MiniLM's 24 matmuls at 9 rows, timed alone) oneDNN's
// brgemm kernel took 1.24 ms (~155 GFLOP/s); this kernel, which holds every row's accumulators in
// registers and reads each weight cache line once, 1.03 ms. The whole forward of one 9-token
// sentence (bench/encoder_bench BM_ShortSentence/2) went from 1.53 to 1.35 ms.
//
// Bits: a row's output must not depend on the batch it came in (sembed's batch invariance), and
// larger calls still run oneDNN, so this kernel has to round exactly as oneDNN's does. Measured on
// oneDNN 2.6's fp32 brgemm: every output is a chain of fused multiply-adds over k in order,
// restarted at each K block (1,024 k when k > 1,024, else 512: k = 1536 splits at 1,024, k = 768
// at 512), the blocks' partial sums added in order, then the bias, then the residual
// (Accumulate). Activations are left to the caller (Linear runs oneDNN's own
// eltwise kernel). Linear checks these bits against oneDNN on its first small call and keeps
// oneDNN if they differ, so a oneDNN whose blocking differs costs speed, never exactness.
#pragma once

#include <cstdint>

namespace sembed::ops::cpu {

// Rows below which Linear uses this kernel (when it applies at all).
constexpr int64_t kSmallRowsLimit = 16;

// Whether this build has the kernel (AVX-512) and it can read a [k, n] weight oneDNN packed as
// BA16a64b: n a multiple of 64, k a multiple of 16 (no padding inside the blocks).
bool small_rows_kernel_built();
bool small_rows_shape_supported(int64_t n, int64_t k);

// y[rows, n] = x[rows, k] · W + bias (accumulate: y += ...), W in BA16a64b as oneDNN packed it,
// rows < kSmallRowsLimit, on `threads` threads (columns split between them).
void small_rows_matmul(const float* x, int64_t rows, int64_t k, const float* packed_weight,
                       int64_t n, const float* bias, bool accumulate, float* y, int threads);

}  // namespace sembed::ops::cpu
