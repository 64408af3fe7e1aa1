// The expected-tensor table of an encoder and the completeness check of a WeightStore against it.
#include "loader/encoder_tensor_names.hpp"

#include <sembed/error.hpp>
#include <set>

#include "loader/dtype.hpp"

namespace sembed::loader {

std::vector<ExpectedTensor> expected_tensors(const EncoderConfig& c) {
  const int64_t h = c.hidden_size, inter = c.intermediate_size;
  const EncoderTensorNames& n = c.names;
  std::vector<ExpectedTensor> t;
  auto linear = [&](const LinearNames& l, int64_t out, int64_t in, bool optional = false) {
    t.push_back({l.weight, {out, in}, optional});
    if (!l.bias.empty()) t.push_back({l.bias, {out}, optional});
  };
  auto norm = [&](const NormNames& l) {
    if (l.weight.empty()) return;  // no norm at this place (ModernBERT's first layer)
    t.push_back({l.weight, {h}});
    if (!l.bias.empty()) t.push_back({l.bias, {h}});
  };
  t.push_back({n.word_embeddings, {c.vocab_size, h}});
  if (!n.position_embeddings.empty())
    t.push_back({n.position_embeddings, {c.max_position_embeddings, h}, c.sinusoidal_positions});
  if (!n.token_type_embeddings.empty())
    t.push_back({n.token_type_embeddings, {c.type_vocab_size, h}});
  norm(n.embedding_norm);
  for (const auto& L : n.layers) {
    if (!L.qkv.weight.empty()) {
      linear(L.qkv, 3 * h, h);
    } else {
      linear(L.q, h, h);
      linear(L.k, h, h);
      linear(L.v, h, h);
    }
    linear(L.o, h, h);
    norm(L.attention_norm);
    // A gated MLP without a separate multiplier keeps both halves in `up`: [2I, H].
    const bool fused_gate = c.gated_mlp && L.multiplier.weight.empty();
    linear(L.up, fused_gate ? 2 * inter : inter, h);
    if (!L.multiplier.weight.empty()) linear(L.multiplier, inter, h);
    linear(L.down, h, inter);
    norm(L.mlp_norm);
  }
  norm(n.final_norm);
  if (!n.relative_attention_bias.empty())
    t.push_back(
        {n.relative_attention_bias, {c.relative_attention_num_buckets, c.num_attention_heads}});
  if (!n.pooler.weight.empty()) linear(n.pooler, h, h, /*optional=*/true);
  return t;
}

TensorCheck check_encoder_tensors(const EncoderConfig& config, const WeightStore& weights,
                                  const std::vector<std::string>& bound_elsewhere) {
  TensorCheck out;
  std::set<std::string, std::less<>> known(bound_elsewhere.begin(), bound_elsewhere.end());
  const auto& pooler = config.names.pooler;
  int pooler_parts = 0;
  for (const auto& e : expected_tensors(config)) {
    known.insert(e.name);
    const TensorView* t = weights.find(e.name);
    if (!t && e.optional) continue;
    const TensorView& v = weights.require(e.name, e.shape);  // throws with both shapes
    out.parameter_count += v.numel();
    if (e.name == pooler.weight || e.name == pooler.bias) ++pooler_parts;
  }
  const int pooler_total = pooler.weight.empty() ? 0 : (pooler.bias.empty() ? 1 : 2);
  if (pooler_parts > 0 && pooler_parts < pooler_total)
    throw Error(weights.source() + ": has only half of the pooler (" + pooler.weight + " and " +
                pooler.bias + " go together)");
  out.has_pooler = pooler_total > 0 && pooler_parts == pooler_total;
  if (!out.has_pooler) out.notes.push_back("no pooler weights: pooler_output is unavailable");
  if (config.sinusoidal_positions && !weights.find(config.names.position_embeddings))
    out.notes.push_back("sinusoidal position embeddings computed (not in the checkpoint)");

  size_t heads = 0;
  for (const auto& [name, t] : weights.tensors()) {
    if (known.count(name)) continue;
    bool head = false;
    for (const auto& prefix : config.names.head_prefixes) head = head || name.rfind(prefix, 0) == 0;
    if (!head)
      throw Error("unexpected tensor '" + name + "' with shape " + shape_string(t.shape) + " in " +
                  weights.source() + " (not part of a " + config.architecture +
                  " with this config.json)");
    ++heads;
  }
  if (heads) out.notes.push_back("ignored " + std::to_string(heads) + " task-head tensor(s)");
  return out;
}

}  // namespace sembed::loader
