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
// Thread safety: const methods may run concurrently; primitives are cached under a lock and
// oneDNN scratch space is per calling thread (user-managed scratchpad).
#pragma once

#include <cstdint>
#include <memory>

namespace sembed::ops::cpu {

enum class Epilogue { None, Gelu, Tanh, Relu, Accumulate };

class Linear {
 public:
  // weight: [out_features, in_features] row-major; bias: [out_features] or nullptr. Both are
  // copied; the caller's memory may go away after construction.
  Linear(const float* weight, const float* bias, int64_t out_features, int64_t in_features,
         Epilogue epilogue);
  ~Linear();
  Linear(Linear&&) noexcept;
  Linear& operator=(Linear&&) noexcept;

  // x: [rows, in_features] row-major (row stride in_features); y: [rows, out_features].
  // With Epilogue::Accumulate, y holds the residual on entry. Uses `threads` threads.
  void forward(const float* x, int64_t rows, float* y, int threads) const;

  int64_t in_features() const;
  int64_t out_features() const;
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
