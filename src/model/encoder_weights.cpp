// See encoder_weights.hpp.
#include "model/encoder_weights.hpp"

#include <algorithm>
#include <cmath>
#include <sembed/error.hpp>
#include <string>

#include "model/relative_position.hpp"

namespace sembed::model {
namespace {

using ops::cpu::Epilogue;
using ops::cpu::Linear;

class Binder {
 public:
  Binder(const loader::WeightStore& store, ops::cpu::Precision precision)
      : store_(store), precision_(precision) {}
  // The arithmetic of the layers' matmuls (the pooler's stays fp32: one small matmul per text).
  ops::cpu::Precision precision() const { return precision_; }

  const float* get(const std::string& name, std::vector<int64_t> shape) {
    const loader::TensorView& t = store_.require(name, shape);
    count_ += t.numel();
    return t.data;
  }
  // The tensor in place when the store maps it from the file, else a copy; `owner` is set to
  // what keeps the returned memory alive.
  const float* shared(const std::string& name, std::vector<int64_t> shape,
                      std::shared_ptr<const void>& owner) {
    const loader::TensorView& t = store_.require(name, shape);
    count_ += t.numel();
    owner = store_.mapping_of(t);
    if (owner) return t.data;
    auto copy = std::make_shared<std::vector<float>>(t.data, t.data + t.numel());
    owner = copy;
    return copy->data();
  }
  std::vector<float> copy(const std::string& name, std::vector<int64_t> shape) {
    const float* p = get(name, shape);
    size_t n = 1;
    for (auto d : shape) n *= static_cast<size_t>(d);
    return std::vector<float>(p, p + n);
  }
  // A bias by name, or nullptr for a bias-free linear (empty name).
  const float* bias(const std::string& name, int64_t n) {
    return name.empty() ? nullptr : get(name, {n});
  }
  // input_max: calibration maxima of the input (int8 smoothing), or nullptr.
  Linear linear(const loader::LinearNames& names, int64_t out, int64_t in, Epilogue e,
                const float* input_max = nullptr) {
    return linear(names, out, in, e, precision_, input_max);
  }
  Linear linear(const loader::LinearNames& names, int64_t out, int64_t in, Epilogue e,
                ops::cpu::Precision precision, const float* input_max = nullptr) {
    return Linear(get(names.weight, {out, in}), bias(names.bias, out), out, in, e, precision,
                  input_max);
  }
  bool has(const std::string& name) const { return store_.find(name) != nullptr; }
  // A LayerNorm's gamma and beta; beta is zeros for a bias-free norm, both empty for no norm.
  void norm(const loader::NormNames& names, int64_t h, std::vector<float>& gamma,
            std::vector<float>& beta) {
    if (names.weight.empty()) return;
    gamma = copy(names.weight, {h});
    beta = names.bias.empty() ? std::vector<float>(static_cast<size_t>(h), 0.f)
                              : copy(names.bias, {h});
  }
  size_t count() const { return count_; }

 private:
  const loader::WeightStore& store_;
  ops::cpu::Precision precision_;
  size_t count_ = 0;
};

Epilogue activation_epilogue(loader::Activation a) {
  switch (a) {
    case loader::Activation::Gelu:
      return Epilogue::Gelu;
    case loader::Activation::Relu:
      return Epilogue::Relu;
    case loader::Activation::Silu:  // only in gated MLPs (loader/config_fields.hpp)
      break;
  }
  return Epilogue::Gelu;
}

}  // namespace

std::vector<float> sinusoidal_position_table(int n_pos, int dim) {
  std::vector<float> t(static_cast<size_t>(n_pos) * dim);
  for (int pos = 0; pos < n_pos; ++pos)
    for (int j = 0; j < dim; ++j) {
      const double angle = pos / std::pow(10000.0, 2.0 * (j / 2) / dim);
      t[static_cast<size_t>(pos) * dim + j] =
          static_cast<float>(j % 2 == 0 ? std::sin(angle) : std::cos(angle));
    }
  return t;
}

namespace {

// The [rows, in] weights of `parts` (and their biases, zeros for a bias-free one) stacked
// into one [parts * rows, in] Linear: one matmul instead of several.
Linear stacked_linear(Binder& b, const std::vector<const loader::LinearNames*>& parts, int64_t rows,
                      int64_t in, Epilogue e, const float* input_max) {
  const size_t block = static_cast<size_t>(rows * in);
  std::vector<float> w(parts.size() * block), bias(parts.size() * static_cast<size_t>(rows));
  bool any_bias = false;
  for (size_t part = 0; part < parts.size(); ++part) {
    const float* pw = b.get(parts[part]->weight, {rows, in});
    std::copy(pw, pw + block, w.begin() + part * block);
    if (const float* pb = b.bias(parts[part]->bias, rows)) {
      std::copy(pb, pb + rows, bias.begin() + part * rows);
      any_bias = true;
    }  // else: zeros, as a bias-free projection
  }
  const int64_t out = static_cast<int64_t>(parts.size()) * rows;
  return Linear(w.data(), any_bias ? bias.data() : nullptr, out, in, e, b.precision(), input_max);
}

// A fused gated projection stored [multiplier | activated] (GTE), reordered into the
// [activated | multiplier] rows ops::cpu::gated_activation reads.
Linear swapped_halves(Binder& b, const loader::LinearNames& names, int64_t rows, int64_t in,
                      const float* input_max) {
  const float* w = b.get(names.weight, {2 * rows, in});
  const float* bias = b.bias(names.bias, 2 * rows);
  const size_t block = static_cast<size_t>(rows * in);
  std::vector<float> sw(2 * block), sb(bias ? 2 * static_cast<size_t>(rows) : 0);
  std::copy(w + block, w + 2 * block, sw.begin());
  std::copy(w, w + block, sw.begin() + block);
  if (bias) {
    std::copy(bias + rows, bias + 2 * rows, sb.begin());
    std::copy(bias, bias + rows, sb.begin() + rows);
  }
  return Linear(sw.data(), bias ? sb.data() : nullptr, 2 * rows, in, Epilogue::None, b.precision(),
                input_max);
}

}  // namespace

EncoderWeights bind_encoder_weights(const loader::EncoderConfig& c,
                                    const loader::WeightStore& store, ops::cpu::Precision precision,
                                    const EncoderCalibration* calibration) {
  const int64_t H = c.hidden_size, I = c.intermediate_size;
  const loader::EncoderTensorNames& n = c.names;
  Binder b(store, precision);
  EncoderWeights w;
  w.word_embeddings = b.shared(n.word_embeddings, {c.vocab_size, H}, w.word_embeddings_owner);
  if (n.position_embeddings.empty())
    ;  // rotary positions: no table
  else if (c.sinusoidal_positions && !b.has(n.position_embeddings))
    w.position_embeddings = sinusoidal_position_table(c.max_position_embeddings, c.hidden_size);
  else
    w.position_embeddings = b.copy(n.position_embeddings, {c.max_position_embeddings, H});
  if (!n.token_type_embeddings.empty())
    w.token_type_embeddings = b.copy(n.token_type_embeddings, {c.type_vocab_size, H});
  b.norm(n.embedding_norm, H, w.emb_norm_gamma, w.emb_norm_beta);
  // Gated MLPs apply their activation after the matmul (ops::cpu::gated_activation).
  const Epilogue act = c.gated_mlp ? Epilogue::None : activation_epilogue(c.activation);
  std::vector<double> bases;  // the distinct RoPE bases, one table each
  for (size_t l = 0; l < n.layers.size(); ++l) {
    const loader::LayerTensorNames& L = n.layers[l];
    // The layer's calibration maxima per matmul input (int8 smoothing), or nullptr.
    auto input_max = [&](std::vector<float> LayerInputMaxima::*which) -> const float* {
      if (!calibration || l >= calibration->size()) return nullptr;
      const std::vector<float>& m = (*calibration)[l].*which;
      return m.empty() ? nullptr : m.data();
    };
    const float* qkv_max = input_max(&LayerInputMaxima::qkv);
    const float* up_max = input_max(&LayerInputMaxima::up);
    // int8 keeps the first layer's MLP output projection in fp32: measured on all-mpnet-base-v2
    // (bench/precision_quality.py), it alone moved the median cosine to fp32 over STS-B test from
    // 0.99897 to 0.99906 (the bar is 0.999) at 1/36 of the matmul work; no other single matmul
    // did as much (docs/precision.md).
    const ops::cpu::Precision down_precision = b.precision() == ops::cpu::Precision::Int8 && l == 0
                                                   ? ops::cpu::Precision::Float32
                                                   : b.precision();
    EncoderLayerWeights lw{
        L.qkv.weight.empty() ? stacked_linear(b, {&L.q, &L.k, &L.v}, H, H, Epilogue::None, qkv_max)
                             : b.linear(L.qkv, 3 * H, H, Epilogue::None, qkv_max),
        b.linear(L.o, H, H, Epilogue::Accumulate, input_max(&LayerInputMaxima::attn_output)),
        {},
        {},
        c.gated_mlp && L.multiplier.weight.empty()
            ? (c.gate_multiplier_first ? swapped_halves(b, L.up, I, H, up_max)
                                       : b.linear(L.up, 2 * I, H, act, up_max))
            : (L.multiplier.weight.empty()
                   ? b.linear(L.up, I, H, act, up_max)
                   : stacked_linear(b, {&L.up, &L.multiplier}, I, H, act, up_max)),
        b.linear(L.down, H, I, Epilogue::Accumulate, down_precision,
                 input_max(&LayerInputMaxima::down)),
        {},
        {},
    };
    b.norm(L.attention_norm, H, lw.attn_norm_gamma, lw.attn_norm_beta);
    b.norm(L.mlp_norm, H, lw.mlp_norm_gamma, lw.mlp_norm_beta);
    if (l < c.layer_attention.size()) {
      const loader::LayerAttention& a = c.layer_attention[l];
      lw.window_half = a.window_half;
      if (c.position_encoding == loader::PositionEncoding::Rotary) {
        auto it = std::find(bases.begin(), bases.end(), a.rope_theta);
        if (it == bases.end()) {
          bases.push_back(a.rope_theta);
          w.rotary.emplace_back(a.rope_theta, static_cast<size_t>(H / c.num_attention_heads),
                                static_cast<size_t>(c.max_tokens()));
          it = bases.end() - 1;
        }
        lw.rotary = static_cast<int>(it - bases.begin());
      }
    }
    w.layers.push_back(std::move(lw));
  }
  b.norm(n.final_norm, H, w.final_norm_gamma, w.final_norm_beta);
  if (!n.relative_attention_bias.empty()) {
    const float* table =
        b.get(n.relative_attention_bias, {c.relative_attention_num_buckets, c.num_attention_heads});
    const int max_len = c.max_tokens();
    w.relative_bias =
        expand_relative_bias(table, c.relative_attention_num_buckets, c.num_attention_heads,
                             max_len, c.relative_attention_max_distance);
    w.relative_bias_stride = 2 * static_cast<size_t>(max_len) - 1;
    w.relative_bias_center = static_cast<size_t>(max_len) - 1;
  }
  if (!n.pooler.weight.empty() && b.has(n.pooler.weight))
    w.pooler.emplace(b.linear(n.pooler, H, H, Epilogue::Tanh, ops::cpu::Precision::Float32));
  w.parameter_count = b.count();
  return w;
}

}  // namespace sembed::model
