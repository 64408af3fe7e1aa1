// See dense_module.hpp.
#include "model/dense_module.hpp"

#include <cmath>
#include <sembed/error.hpp>
#include <set>
#include <string>
#include <vector>

#include "loader/dtype.hpp"
#include "loader/weight_store.hpp"

namespace sembed::model {

float activate(loader::DenseActivation a, float x) {
  switch (a) {
    case loader::DenseActivation::Identity:
      return x;
    case loader::DenseActivation::Tanh:
      return std::tanh(x);
    case loader::DenseActivation::Relu:
      return x > 0.f ? x : 0.f;
    case loader::DenseActivation::Gelu:  // torch.nn.GELU(approximate='none')
      return 0.5f * x * (1.f + std::erf(x * static_cast<float>(M_SQRT1_2)));
    case loader::DenseActivation::Sigmoid:
      return 1.f / (1.f + std::exp(-x));
    case loader::DenseActivation::Silu:
      return x / (1.f + std::exp(-x));
  }
  return x;
}

DenseModule::DenseModule(const loader::DenseConfig& config) : config_(config) {
  try {
    bind();
  } catch (const Error& e) {
    throw Error("Dense module " + config.dir.string() + ": " + e.what());
  }
}

void DenseModule::bind() {
  const loader::DenseConfig& config = config_;
  const loader::WeightStore store = loader::WeightStore::open(config.dir);
  const int64_t in = config.in_features, out = config.out_features;
  const loader::TensorView& w = store.require("linear.weight", {out, in});
  const float* b = nullptr;
  std::set<std::string> known = {"linear.weight"};
  parameters_ = w.numel();
  if (config.bias) {
    b = store.require("linear.bias", {out}).data;
    known.insert("linear.bias");
    parameters_ += static_cast<size_t>(out);
  }
  linear_.emplace(w.data, b, out, in, ops::cpu::Epilogue::None);
  if (config.use_residual && in != out) {
    const loader::TensorView& r = store.require("residual.weight", {out, in});
    known.insert("residual.weight");
    residual_.emplace(r.data, nullptr, out, in, ops::cpu::Epilogue::None);
    parameters_ += r.numel();
  }
  for (const auto& [name, t] : store.tensors())
    if (!known.count(name))
      throw Error("unexpected tensor '" + name + "' with shape " + loader::shape_string(t.shape) +
                  " in " + store.source() + " (a Dense " + std::to_string(in) + " -> " +
                  std::to_string(out) + (config.bias ? " with bias" : " without bias") + ")");
}

void DenseModule::forward(const float* x, size_t rows, float* y, int threads) const {
  if (rows == 0) return;
  const size_t in = static_cast<size_t>(config_.in_features);
  const size_t out = static_cast<size_t>(config_.out_features);
  linear_->forward(x, static_cast<int64_t>(rows), y, threads);  // [rows, out]
  for (size_t i = 0; i < rows * out; ++i) y[i] = activate(config_.activation, y[i]);
  if (!config_.use_residual) return;
  if (residual_) {
    std::vector<float> r(rows * out);
    residual_->forward(x, static_cast<int64_t>(rows), r.data(), threads);
    for (size_t i = 0; i < rows * out; ++i) y[i] += r[i];
  } else {
    for (size_t i = 0; i < rows * in; ++i) y[i] += x[i];
  }
}

}  // namespace sembed::model
