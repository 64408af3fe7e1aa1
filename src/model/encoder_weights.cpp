// See encoder_weights.hpp.
#include "model/encoder_weights.hpp"

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
  explicit Binder(const loader::WeightStore& store) : store_(store) {}

  const float* get(const std::string& name, std::vector<int64_t> shape) {
    const loader::TensorView& t = store_.require(name, shape);
    count_ += t.numel();
    return t.data;
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
  Linear linear(const loader::LinearNames& names, int64_t out, int64_t in, Epilogue e) {
    return Linear(get(names.weight, {out, in}), bias(names.bias, out), out, in, e);
  }
  bool has(const std::string& name) const { return store_.find(name) != nullptr; }
  size_t count() const { return count_; }

 private:
  const loader::WeightStore& store_;
  size_t count_ = 0;
};

Epilogue activation_epilogue(loader::Activation a) {
  switch (a) {
    case loader::Activation::Gelu:
      return Epilogue::Gelu;
    case loader::Activation::Relu:
      return Epilogue::Relu;
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

EncoderWeights bind_encoder_weights(const loader::EncoderConfig& c,
                                    const loader::WeightStore& store) {
  const int64_t H = c.hidden_size, I = c.intermediate_size;
  const loader::EncoderTensorNames& n = c.names;
  Binder b(store);
  EncoderWeights w;
  w.word_embeddings = b.copy(n.word_embeddings, {c.vocab_size, H});
  if (c.sinusoidal_positions && !b.has(n.position_embeddings))
    w.position_embeddings = sinusoidal_position_table(c.max_position_embeddings, c.hidden_size);
  else
    w.position_embeddings = b.copy(n.position_embeddings, {c.max_position_embeddings, H});
  if (!n.token_type_embeddings.empty())
    w.token_type_embeddings = b.copy(n.token_type_embeddings, {c.type_vocab_size, H});
  w.emb_norm_gamma = b.copy(n.embedding_norm.weight, {H});
  w.emb_norm_beta = b.copy(n.embedding_norm.bias, {H});
  const Epilogue act = activation_epilogue(c.activation);
  for (const loader::LayerTensorNames& L : n.layers) {
    // Fuse query, key and value into one [3H, H] projection: one matmul instead of three.
    std::vector<float> qkv_w(static_cast<size_t>(3 * H * H)), qkv_b(static_cast<size_t>(3 * H));
    const loader::LinearNames* parts[3] = {&L.q, &L.k, &L.v};
    bool any_bias = false;
    for (int part = 0; part < 3; ++part) {
      const float* pw = b.get(parts[part]->weight, {H, H});
      std::copy(pw, pw + H * H, qkv_w.begin() + part * H * H);
      if (const float* pb = b.bias(parts[part]->bias, H)) {
        std::copy(pb, pb + H, qkv_b.begin() + part * H);
        any_bias = true;
      }  // else: zeros, as a bias-free projection
    }
    w.layers.push_back(EncoderLayerWeights{
        Linear(qkv_w.data(), any_bias ? qkv_b.data() : nullptr, 3 * H, H, Epilogue::None),
        b.linear(L.o, H, H, Epilogue::Accumulate),
        b.copy(L.attention_norm.weight, {H}),
        b.copy(L.attention_norm.bias, {H}),
        b.linear(L.up, I, H, act),
        b.linear(L.down, H, I, Epilogue::Accumulate),
        b.copy(L.mlp_norm.weight, {H}),
        b.copy(L.mlp_norm.bias, {H}),
    });
  }
  if (!n.relative_attention_bias.empty()) {
    const float* table = b.get(n.relative_attention_bias,
                               {c.relative_attention_num_buckets, c.num_attention_heads});
    const int max_len = c.max_tokens();
    w.relative_bias =
        expand_relative_bias(table, c.relative_attention_num_buckets, c.num_attention_heads,
                             max_len, c.relative_attention_max_distance);
    w.relative_bias_stride = 2 * static_cast<size_t>(max_len) - 1;
    w.relative_bias_center = static_cast<size_t>(max_len) - 1;
  }
  if (!n.pooler.weight.empty() && b.has(n.pooler.weight))
    w.pooler.emplace(b.linear(n.pooler, H, H, Epilogue::Tanh));
  w.parameter_count = b.count();
  return w;
}

}  // namespace sembed::model
