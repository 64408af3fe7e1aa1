// DenseModule: sentence-transformers' Dense module on sentence embeddings,
//   y = act(x · Wᵀ + b) (+ x, or + x · Rᵀ when use_residual and the sizes differ),
// with the weights of its folder (model.safetensors or pytorch_model.bin: linear.weight,
// linear.bias, residual.weight). The matmul is ops::cpu::Linear (prepacked, bit-identical rows
// for any batch); the activation runs elementwise in float as torch's modules do.
// Thread safety: immutable after construction.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>

#include "loader/st_modules.hpp"
#include "ops/cpu/linear.hpp"

namespace sembed::model {

// One element through a sentence-transformers activation module, in float as torch computes it
// (Gelu: the exact erf form).
float activate(loader::DenseActivation a, float x);

class DenseModule {
 public:
  // Throws sembed::Error naming the file and the missing, mis-shaped or unexpected tensor.
  explicit DenseModule(const loader::DenseConfig& config);

  // x: [rows, in_features]; y: [rows, out_features] (y must not alias x).
  void forward(const float* x, size_t rows, float* y, int threads) const;

  int in_features() const { return config_.in_features; }
  int out_features() const { return config_.out_features; }
  const loader::DenseConfig& config() const { return config_; }
  size_t parameter_count() const { return parameters_; }

 private:
  void bind();
  loader::DenseConfig config_;
  std::optional<ops::cpu::Linear> linear_, residual_;
  size_t parameters_ = 0;
};

}  // namespace sembed::model
