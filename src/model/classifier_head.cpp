// See classifier_head.hpp.
#include "model/classifier_head.hpp"

#include <algorithm>

#include "model/dense_module.hpp"
#include "ops/cpu/layer_norm.hpp"
#include "pooling/pooling.hpp"

namespace sembed::model {

namespace {

ops::cpu::Linear bind_linear(const loader::LinearNames& names, int64_t out, int64_t in,
                             const loader::WeightStore& weights, size_t& parameters) {
  const loader::TensorView& w = weights.require(names.weight, {out, in});
  const float* b = nullptr;
  parameters += w.numel();
  if (!names.bias.empty()) {
    b = weights.require(names.bias, {out}).data;
    parameters += static_cast<size_t>(out);
  }
  return ops::cpu::Linear(w.data, b, out, in, ops::cpu::Epilogue::None);
}

}  // namespace

ClassifierHead::ClassifierHead(const loader::ClassifierHeadConfig& config, int hidden_size,
                               const loader::WeightStore& weights)
    : config_(config), hidden_(hidden_size) {
  const int64_t h = hidden_size;
  dense_.emplace(bind_linear(config.dense, h, h, weights, parameters_));
  if (!config.norm.weight.empty()) {
    const float* g = weights.require(config.norm.weight, {h}).data;
    gamma_.assign(g, g + h);
    parameters_ += static_cast<size_t>(h);
    if (!config.norm.bias.empty()) {
      const float* b = weights.require(config.norm.bias, {h}).data;
      beta_.assign(b, b + h);
      parameters_ += static_cast<size_t>(h);
    }
  }
  out_.emplace(bind_linear(config.out, config.num_labels, h, weights, parameters_));
}

void ClassifierHead::select(const float* tokens, size_t n_tokens, float* out) const {
  pooling::pool(config_.mean_pool ? PoolingMode::Mean : PoolingMode::Cls, tokens, n_tokens,
                static_cast<size_t>(hidden_), out);
}

void ClassifierHead::forward(const float* x, size_t rows, float* logits, int threads) const {
  if (rows == 0) return;
  const size_t h = static_cast<size_t>(hidden_);
  std::vector<float> y(rows * h);
  dense_->forward(x, static_cast<int64_t>(rows), y.data(), threads);
  for (float& v : y) v = activate(config_.dense_activation, v);
  if (!gamma_.empty()) {
    const std::vector<float> zeros(beta_.empty() ? h : 0, 0.0f);
    ops::cpu::layer_norm(y.data(), y.data(), rows, h, gamma_.data(),
                         beta_.empty() ? zeros.data() : beta_.data(), config_.norm_eps, threads);
  }
  out_->forward(y.data(), static_cast<int64_t>(rows), logits, threads);
}

}  // namespace sembed::model
