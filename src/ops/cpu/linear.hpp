// Linear: y = x · Wᵀ + b with an optional fused epilogue, through oneDNN's matmul.
//
// The weight arrives in Hugging Face layout ([out, in], row-major) and is reordered once, at
// construction, into the blocked layout oneDNN's AVX-512 kernel prefers ("prepacked"); every call
// then only streams activations. The epilogue runs inside the matmul kernel (oneDNN post-ops), so
// the output is written once:
//   None       y = x·Wᵀ + b
//   Gelu       y = gelu_erf(x·Wᵀ + b)            (BERT's intermediate dense, exact erf GELU)
//   Tanh       y = tanh(x·Wᵀ + b)                (BERT's pooler)
//   Relu       y = max(x·Wᵀ + b, 0)              (DistilBERT's activation: relu)
//   Accumulate y = y + (x·Wᵀ + b)                (residual add: y holds the residual on entry)
//
// Batch invariance: a primitive is created per row count M (and thread count) with the weight
// layout pinned to the prepacked one, and kept in a small least-recently-used cache. Measured on oneDNN 2.6 (brgemm AVX-512 kernel): every row's
// result is bit-identical for any M and any thread count, so a sentence's numbers never depend on
// what it is batched with. oneDNN's runtime-M ("any M") kernel is not: it rounds differently per
// M, so it is avoided. Below AVX-512 oneDNN picks its gemm kernel, which also rounds per M: there
// every call is made on fixed blocks of 48 rows (the last one zero-padded), which restores
// bit-identical rows at the cost of the padding rows' FLOPs (checked with ONEDNN_MAX_CPU_ISA=AVX2,
// AVX and SSE41: the tests pass bit for bit).
//
// Small calls: fp32 calls of fewer than kSmallRowsLimit rows (16) run small_rows_matmul.hpp's
// kernel on the same prepacked weight where it applies (AVX-512 build, oneDNN's BA16a64b layout),
// after a first call has checked that its bits are oneDNN's for this matrix; so batch invariance
// holds whichever kernel computes a row.
//
// Reduced precision (opt-in, Precision below; the arithmetic is in ops/cpu/low_precision.hpp):
//   BFloat16  weights stored bf16 at construction, each call's activations rounded to bf16,
//             fp32 accumulation, the epilogue fused in fp32 as above.
//   Int8      weights symmetric s8 per output channel, activations u8 asymmetric per row (dynamic, per
//             token), int32 sums from oneDNN, then our own fp32 epilogue (scales, bias,
//             activation or residual add): oneDNN 2.6's fused int8 epilogues cannot scale by row.
// Both need oneDNN's brgemm kernels on a CPU with the instructions for them (AVX512-BF16 or
// AMX-BF16; AVX512-VNNI or AMX-INT8): elsewhere the constructor throws sembed::Error naming the
// instructions missing, rather than run a slow or 16-bit-saturating fallback. Rows stay
// bit-identical whatever the batch (per-row quantization, exact int32 sums; checked in
// tests/ops/linear_precision_test.cpp).
//
// Thread safety: const methods may run concurrently; primitives are cached under a lock and
// oneDNN scratch space is per calling thread (user-managed scratchpad).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace sembed::ops::cpu {

enum class Epilogue { None, Gelu, Tanh, Relu, Accumulate };
enum class Precision { Float32, BFloat16, Int8 };
const char* to_string(Precision p);  // "float32", "bf16", "int8"

// oneDNN's kernel for a matmul of this precision on this CPU (e.g. "brg:avx512_core_vnni"), or
// the Error text saying why it cannot run here: what `sembed info` reports per dtype.
std::string matmul_kernel_for(Precision precision);
// Whether a Linear of this precision can be built on this CPU (the constructor would not refuse
// it): float32 always; bf16 and int8 where oneDNN has their native kernels. Probed once.
bool has_native_kernel(Precision precision);

class Linear {
 public:
  // weight: [out_features, in_features] row-major; bias: [out_features] or nullptr. Both are
  // copied; the caller's memory may go away after construction.
  // Int8 only: input_max [in_features], the largest |x_k| per input column seen on calibration
  // text (observe_inputs), for the smoothing of low_precision.hpp; nullptr: none.
  Linear(const float* weight, const float* bias, int64_t out_features, int64_t in_features,
         Epilogue epilogue, Precision precision = Precision::Float32,
         const float* input_max = nullptr);
  ~Linear();
  Linear(Linear&&) noexcept;
  Linear& operator=(Linear&&) noexcept;

  // x: [rows, in_features] row-major (row stride in_features); y: [rows, out_features].
  // With Epilogue::Accumulate, y holds the residual on entry. Uses `threads` threads.
  void forward(const float* x, int64_t rows, float* y, int threads) const;

  // Calibration: while set (non-null), every Float32 forward() raises column_max[k] (sized
  // in_features) to the largest |x_k| it is given. Not thread-safe: for single-threaded use at
  // load time only.
  void observe_inputs(std::vector<float>* column_max) const;

  int64_t in_features() const;
  int64_t out_features() const;
  // Whether fp32 calls under kSmallRowsLimit rows now run small_rows_matmul.hpp's kernel (its
  // bits were checked against oneDNN's on the first such call); false before that call, and
  // where the kernel does not apply (below AVX-512, other weight layouts) or its bits differed.
  bool small_rows_kernel_in_use() const;
  // Bytes held by the prepacked weight (bf16 and int8: about ½ and ¼ of fp32).
  size_t weight_bytes() const;
  // oneDNN's implementation at a typical row count, found at construction, e.g.
  // "brg:avx512_core_vnni" (what `sembed info` reports).
  const std::string& kernel() const;
  // oneDNN's implementation name for a given row count, e.g. "brg:avx512_core" (for benches).
  const char* implementation(int64_t rows, int threads) const;
  // Compiled kernels held now: one per recent (row count, thread count), at most a fixed bound
  // (see linear.cpp), least recently used evicted.
  size_t cached_kernels() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace sembed::ops::cpu
