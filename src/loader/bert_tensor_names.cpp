// The BertModel tensor table and the completeness check of a WeightStore against it.
#include "loader/bert_tensor_names.hpp"

#include <sembed/error.hpp>
#include <set>

#include "loader/dtype.hpp"

namespace sembed::loader {

std::vector<ExpectedTensor> bert_expected_tensors(const BertConfig& c) {
  const int64_t h = c.hidden_size, inter = c.intermediate_size;
  std::vector<ExpectedTensor> t = {
      {"embeddings.word_embeddings.weight", {c.vocab_size, h}},
      {"embeddings.position_embeddings.weight", {c.max_position_embeddings, h}},
      {"embeddings.token_type_embeddings.weight", {c.type_vocab_size, h}},
      {"embeddings.LayerNorm.weight", {h}},
      {"embeddings.LayerNorm.bias", {h}},
  };
  for (int i = 0; i < c.num_hidden_layers; ++i) {
    const std::string p = "encoder.layer." + std::to_string(i) + ".";
    for (const char* qkv : {"query", "key", "value"}) {
      t.push_back({p + "attention.self." + qkv + ".weight", {h, h}});
      t.push_back({p + "attention.self." + qkv + ".bias", {h}});
    }
    t.push_back({p + "attention.output.dense.weight", {h, h}});
    t.push_back({p + "attention.output.dense.bias", {h}});
    t.push_back({p + "attention.output.LayerNorm.weight", {h}});
    t.push_back({p + "attention.output.LayerNorm.bias", {h}});
    t.push_back({p + "intermediate.dense.weight", {inter, h}});
    t.push_back({p + "intermediate.dense.bias", {inter}});
    t.push_back({p + "output.dense.weight", {h, inter}});
    t.push_back({p + "output.dense.bias", {h}});
    t.push_back({p + "output.LayerNorm.weight", {h}});
    t.push_back({p + "output.LayerNorm.bias", {h}});
  }
  t.push_back({"pooler.dense.weight", {h, h}, true});
  t.push_back({"pooler.dense.bias", {h}, true});
  return t;
}

BertTensorCheck check_bert_tensor_names(const BertConfig& config, const WeightStore& weights) {
  BertTensorCheck out;
  std::set<std::string, std::less<>> known;
  int pooler_parts = 0;
  for (const auto& e : bert_expected_tensors(config)) {
    known.insert(e.name);
    const TensorView* t = weights.find(e.name);
    if (!t && e.optional) continue;
    const TensorView& v = weights.require(e.name, e.shape);  // throws with both shapes
    out.parameter_count += v.numel();
    if (e.optional) ++pooler_parts;
  }
  if (pooler_parts == 1)
    throw Error(weights.source() +
                ": has only half of the pooler (pooler.dense.weight and "
                "pooler.dense.bias go together)");
  out.has_pooler = pooler_parts == 2;
  if (!out.has_pooler) out.notes.push_back("no pooler weights: pooler_output is unavailable");

  // Heads of BertFor* classes: transformers drops them when loading a BertModel.
  static const std::string_view kHeads[] = {"cls.", "classifier.", "qa_outputs."};
  size_t heads = 0;
  for (const auto& [name, t] : weights.tensors()) {
    if (known.count(name)) continue;
    bool head = false;
    for (auto prefix : kHeads) head = head || name.rfind(prefix, 0) == 0;
    if (!head)
      throw Error("unexpected tensor '" + name + "' with shape " + shape_string(t.shape) + " in " +
                  weights.source() + " (not part of a BertModel with this config.json)");
    ++heads;
  }
  if (heads) out.notes.push_back("ignored " + std::to_string(heads) + " task-head tensor(s)");
  return out;
}

}  // namespace sembed::loader
