// See bert_weights.hpp.
#include "model/bert_weights.hpp"

#include <sembed/error.hpp>
#include <string>

namespace sembed::model {
namespace {

using ops::cpu::Epilogue;
using ops::cpu::Linear;

class Binder {
 public:
  Binder(const loader::WeightStore& store) : store_(store) {}

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
  bool has(const std::string& name) const { return store_.find(name) != nullptr; }
  size_t count() const { return count_; }

 private:
  const loader::WeightStore& store_;
  size_t count_ = 0;
};

void check_config(const loader::BertConfig& c) {
  auto positive = [](int v, const char* field) {
    if (v <= 0)
      throw Error(std::string("config.json: ") + field + " must be positive, got " +
                  std::to_string(v));
  };
  positive(c.vocab_size, "vocab_size");
  positive(c.hidden_size, "hidden_size");
  positive(c.num_hidden_layers, "num_hidden_layers");
  positive(c.num_attention_heads, "num_attention_heads");
  positive(c.intermediate_size, "intermediate_size");
  positive(c.max_position_embeddings, "max_position_embeddings");
  positive(c.type_vocab_size, "type_vocab_size");
  if (c.hidden_size % c.num_attention_heads != 0)
    throw Error("config.json: hidden_size " + std::to_string(c.hidden_size) +
                " is not a multiple of num_attention_heads " +
                std::to_string(c.num_attention_heads));
  if (c.hidden_act != "gelu")
    throw Error("config.json: hidden_act \"" + c.hidden_act +
                "\" is not supported (only \"gelu\", the exact erf GELU)");
}

}  // namespace

BertWeights bind_bert_weights(const loader::BertConfig& c, const loader::WeightStore& store) {
  check_config(c);
  const int64_t H = c.hidden_size, I = c.intermediate_size;
  Binder b(store);
  BertWeights w;
  w.word_embeddings = b.copy("embeddings.word_embeddings.weight", {c.vocab_size, H});
  w.position_embeddings =
      b.copy("embeddings.position_embeddings.weight", {c.max_position_embeddings, H});
  w.token_type_embeddings =
      b.copy("embeddings.token_type_embeddings.weight", {c.type_vocab_size, H});
  w.emb_ln_gamma = b.copy("embeddings.LayerNorm.weight", {H});
  w.emb_ln_beta = b.copy("embeddings.LayerNorm.bias", {H});
  for (int l = 0; l < c.num_hidden_layers; ++l) {
    const std::string p = "encoder.layer." + std::to_string(l) + ".";
    // Fuse query, key and value into one [3H, H] projection: one matmul instead of three.
    std::vector<float> qkv_w(static_cast<size_t>(3 * H * H)), qkv_b(static_cast<size_t>(3 * H));
    const char* parts[3] = {"query", "key", "value"};
    for (int part = 0; part < 3; ++part) {
      const float* pw = b.get(p + "attention.self." + parts[part] + ".weight", {H, H});
      const float* pb = b.get(p + "attention.self." + parts[part] + ".bias", {H});
      std::copy(pw, pw + H * H, qkv_w.begin() + part * H * H);
      std::copy(pb, pb + H, qkv_b.begin() + part * H);
    }
    w.layers.push_back(BertLayerWeights{
        Linear(qkv_w.data(), qkv_b.data(), 3 * H, H, Epilogue::None),
        Linear(b.get(p + "attention.output.dense.weight", {H, H}),
               b.get(p + "attention.output.dense.bias", {H}), H, H, Epilogue::Accumulate),
        b.copy(p + "attention.output.LayerNorm.weight", {H}),
        b.copy(p + "attention.output.LayerNorm.bias", {H}),
        Linear(b.get(p + "intermediate.dense.weight", {I, H}),
               b.get(p + "intermediate.dense.bias", {I}), I, H, Epilogue::Gelu),
        Linear(b.get(p + "output.dense.weight", {H, I}), b.get(p + "output.dense.bias", {H}), H, I,
               Epilogue::Accumulate),
        b.copy(p + "output.LayerNorm.weight", {H}),
        b.copy(p + "output.LayerNorm.bias", {H}),
    });
  }
  if (b.has("pooler.dense.weight"))
    w.pooler.emplace(b.get("pooler.dense.weight", {H, H}), b.get("pooler.dense.bias", {H}), H, H,
                     Epilogue::Tanh);
  w.parameter_count = b.count();
  return w;
}

}  // namespace sembed::model
