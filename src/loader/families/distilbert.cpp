// DistilBERT (transformers' DistilBertModel): its own config names (dim, n_layers, n_heads,
// hidden_dim, activation), positions 0..n-1 (sinusoidal when sinusoidal_pos_embds: the table is
// computed if the checkpoint lacks it), no token types, no pooler, LayerNorm eps fixed at 1e-12,
// scores scaled by head_dim^-0.5 in eager_attention_forward. Tensor names:
// transformer.layer.N.attention.{q,k,v,out}_lin, sa_layer_norm, ffn.lin{1,2}, output_layer_norm.
#include <sembed/error.hpp>

#include "loader/config_fields.hpp"
#include "loader/families/families.hpp"
#include "loader/json_file.hpp"

namespace sembed::loader {

EncoderConfig read_distilbert_config(const nlohmann::json& j, const std::filesystem::path& file) {
  EncoderConfig c;
  c.architecture = config_architecture(j, file, {"DistilBert"}, "DistilBERT", "DistilBertModel");
  c.vocab_size = config_int(j, "vocab_size", file, 30522, 1, 10'000'000);
  c.hidden_size = config_int(j, "dim", file, 768, 1, 65536);
  c.num_hidden_layers = config_int(j, "n_layers", file, 6, 1, 1024);
  c.num_attention_heads = config_int(j, "n_heads", file, 12, 1, 65536);
  c.intermediate_size = config_int(j, "hidden_dim", file, 3072, 1, 1 << 20);
  c.max_position_embeddings = config_int(j, "max_position_embeddings", file, 512, 1, 1 << 20);
  c.type_vocab_size = 0;
  c.pad_token_id = config_int(j, "pad_token_id", file, 0, 0, c.vocab_size - 1);
  c.layer_norm_eps = 1e-12f;  // hard-coded in transformers' DistilBERT
  c.activation = config_activation(j, "activation", file, c.hidden_act);
  c.sinusoidal_positions = json_bool(j, "sinusoidal_pos_embds", file).value_or(false);
  c.position_ids = PositionIds::Sequential;

  EncoderTensorNames& n = c.names;
  n.word_embeddings = "embeddings.word_embeddings.weight";
  n.position_embeddings = "embeddings.position_embeddings.weight";
  n.embedding_norm = {"embeddings.LayerNorm.weight", "embeddings.LayerNorm.bias"};
  for (int l = 0; l < c.num_hidden_layers; ++l) {
    const std::string p = "transformer.layer." + std::to_string(l) + ".";
    auto lin = [&](const std::string& m) {
      return LinearNames{p + m + ".weight", p + m + ".bias"};
    };
    auto norm = [&](const std::string& m) { return NormNames{p + m + ".weight", p + m + ".bias"}; };
    n.layers.push_back({lin("attention.q_lin"), lin("attention.k_lin"), lin("attention.v_lin"),
                        lin("attention.out_lin"), norm("sa_layer_norm"), lin("ffn.lin1"),
                        lin("ffn.lin2"), norm("output_layer_norm"), {}, {}});
  }
  n.base_model_prefixes = {"distilbert."};
  n.head_prefixes = {"vocab_transform.", "vocab_layer_norm.", "vocab_projector.",
                     "pre_classifier.",  "classifier.",       "qa_outputs."};
  check_encoder_dims(c, file);
  return c;
}

}  // namespace sembed::loader
