// MPNet (transformers' MPNetModel): positions after padding id 1 (hard-coded in
// MPNetEmbeddings, whatever pad_token_id says), no token types, and one table of T5-style
// bucketed relative-position biases [buckets, heads] shared by every layer and added to the
// scaled scores. Scores are divided by sqrt(head_dim) rather than multiplied by its inverse.
// Tensor names: encoder.layer.N.attention.attn.{q,k,v,o}, attention.LayerNorm, ...
#include <sembed/error.hpp>

#include "loader/config_fields.hpp"
#include "loader/families/families.hpp"

namespace sembed::loader {

EncoderConfig read_mpnet_config(const nlohmann::json& j, const std::filesystem::path& file) {
  EncoderConfig c;
  c.architecture = config_architecture(j, file, {"MPNet"}, "MPNet", "MPNetModel");
  c.vocab_size = config_int(j, "vocab_size", file, 30527, 2, 10'000'000);
  c.hidden_size = config_int(j, "hidden_size", file, 768, 1, 65536);
  c.num_hidden_layers = config_int(j, "num_hidden_layers", file, 12, 1, 1024);
  c.num_attention_heads = config_int(j, "num_attention_heads", file, 12, 1, 65536);
  c.intermediate_size = config_int(j, "intermediate_size", file, 3072, 1, 1 << 20);
  c.max_position_embeddings = config_int(j, "max_position_embeddings", file, 512, 1, 1 << 20);
  c.type_vocab_size = 0;
  c.pad_token_id = config_int(j, "pad_token_id", file, 1, 0, c.vocab_size - 1);
  c.layer_norm_eps = config_eps(j, "layer_norm_eps", file, 1e-12f);
  c.activation = config_activation(j, "hidden_act", file, c.hidden_act);
  c.relative_attention_num_buckets =
      config_int(j, "relative_attention_num_buckets", file, 32, 1, 1 << 20);
  if (c.relative_attention_num_buckets < 32)
    throw Error(file.string() + ": relative_attention_num_buckets " +
                std::to_string(c.relative_attention_num_buckets) +
                " is below 32, the bucket count transformers' MPNet always uses (it would index "
                "past the table)");
  c.position_ids = PositionIds::AfterPadding;
  c.padding_idx = 1;
  c.divide_scores_by_sqrt = true;

  EncoderTensorNames& n = c.names;
  n.word_embeddings = "embeddings.word_embeddings.weight";
  n.position_embeddings = "embeddings.position_embeddings.weight";
  n.embedding_norm = {"embeddings.LayerNorm.weight", "embeddings.LayerNorm.bias"};
  for (int l = 0; l < c.num_hidden_layers; ++l) {
    const std::string p = "encoder.layer." + std::to_string(l) + ".";
    auto lin = [&](const std::string& m) {
      return LinearNames{p + m + ".weight", p + m + ".bias"};
    };
    auto norm = [&](const std::string& m) { return NormNames{p + m + ".weight", p + m + ".bias"}; };
    n.layers.push_back({lin("attention.attn.q"), lin("attention.attn.k"), lin("attention.attn.v"),
                        lin("attention.attn.o"), norm("attention.LayerNorm"),
                        lin("intermediate.dense"), lin("output.dense"), norm("output.LayerNorm"), {}, {}});
  }
  n.relative_attention_bias = "encoder.relative_attention_bias.weight";
  n.pooler = {"pooler.dense.weight", "pooler.dense.bias"};
  n.base_model_prefixes = {"mpnet."};
  n.head_prefixes = {"lm_head.", "classifier.", "qa_outputs."};
  check_encoder_dims(c, file);
  return c;
}

}  // namespace sembed::loader
