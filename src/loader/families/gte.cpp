// Alibaba GTE "new" (gte-multilingual-base, gte-base-en-v1.5, ...; transformers' GteModel):
// BERT's post-norm layers with rotary positions instead of a position table, token types unless
// type_vocab_size is 0, a fused q|k|v projection with bias, and a gated MLP,
// down(act(gate·x) * (up·x)) with a bias on down only.
// model_type "gte" (transformers' config) and "new" (the original trust_remote_code one) are
// read alike: the shared fields have the same names, RoPE comes as rope_parameters or as the
// older top-level rope_theta / rope_scaling. On disk both use the original tensor names
// (transformers 5 maps its own back when it saves): encoder.layer.N.attention.qkv_proj,
// attention.o_proj, attn_ln, mlp.up_gate_proj ([up | gate] rows: the activated half second),
// mlp.down_proj, mlp_ln; prefix new.
// Refused by name: RoPE scaling (NTK and the like), log-n attention scaling, unpacked q/k/v,
// RMSNorm, absolute positions.
#include <sembed/error.hpp>

#include "loader/config_fields.hpp"
#include "loader/families/families.hpp"
#include "loader/json_file.hpp"

namespace sembed::loader {

EncoderConfig read_gte_config(const nlohmann::json& j, const std::filesystem::path& file) {
  EncoderConfig c;
  c.architecture = config_architecture(j, file, {"Gte", "New"}, "GTE", "GteModel");
  c.vocab_size = config_int(j, "vocab_size", file, 250048, 1, 10'000'000);
  c.hidden_size = config_int(j, "hidden_size", file, 768, 1, 65536);
  c.num_hidden_layers = config_int(j, "num_hidden_layers", file, 12, 1, 1024);
  c.num_attention_heads = config_int(j, "num_attention_heads", file, 12, 1, 65536);
  c.intermediate_size = config_int(j, "intermediate_size", file, 3072, 1, 1 << 20);
  c.max_position_embeddings = config_int(j, "max_position_embeddings", file, 8192, 1, 1 << 20);
  c.type_vocab_size = config_int(j, "type_vocab_size", file, 1, 0, 65536);
  c.pad_token_id = config_int(j, "pad_token_id", file, 1, 0, c.vocab_size - 1);
  c.layer_norm_eps = config_eps(j, "layer_norm_eps", file, 1e-12f);
  c.activation = config_gate_activation(j, "hidden_act", file, "gelu", c.hidden_act);

  auto refuse = [&](const std::string& what) {
    throw Error(file.string() + ": " + what + " is not supported");
  };
  if (auto pos = json_string(j, "position_embedding_type", file); pos && *pos != "rope")
    refuse("position_embedding_type '" + *pos + "' (only 'rope')");
  if (auto norm = json_string(j, "layer_norm_type", file); norm && *norm != "layer_norm")
    refuse("layer_norm_type '" + *norm + "' (only 'layer_norm')");
  if (json_bool(j, "logn_attention_scale", file).value_or(false))
    refuse("logn_attention_scale true (scores would be scaled by log n)");
  if (!json_bool(j, "pack_qkv", file).value_or(true)) refuse("pack_qkv false");
  if (auto it = j.find("rope_scaling"); it != j.end() && !it->is_null())
    refuse("rope_scaling " + it->dump() + " (only unscaled RoPE; scaling would be approximated)");
  double theta = 160000.0;  // GteConfig.default_theta
  if (auto legacy = json_number(j, "rope_theta", file)) theta = *legacy;
  if (auto it = j.find("rope_parameters"); it != j.end())
    theta = config_rope_theta(*it, "rope_parameters", file, theta);
  c.position_encoding = PositionEncoding::Rotary;
  c.position_ids = PositionIds::Sequential;
  c.gated_mlp = true;
  c.gate_multiplier_first = true;
  c.layer_attention.assign(c.num_hidden_layers, LayerAttention{0, theta});

  EncoderTensorNames& n = c.names;
  n.word_embeddings = "embeddings.word_embeddings.weight";
  if (c.type_vocab_size > 0) n.token_type_embeddings = "embeddings.token_type_embeddings.weight";
  n.embedding_norm = {"embeddings.LayerNorm.weight", "embeddings.LayerNorm.bias"};
  for (int l = 0; l < c.num_hidden_layers; ++l) {
    const std::string p = "encoder.layer." + std::to_string(l) + ".";
    auto lin = [&](const std::string& m, bool bias) {
      return LinearNames{p + m + ".weight", bias ? p + m + ".bias" : ""};
    };
    auto norm = [&](const std::string& m) { return NormNames{p + m + ".weight", p + m + ".bias"}; };
    LayerTensorNames L;
    L.qkv = lin("attention.qkv_proj", true);
    L.o = lin("attention.o_proj", true);
    L.attention_norm = norm("attn_ln");
    L.up = lin("mlp.up_gate_proj", false);
    L.down = lin("mlp.down_proj", true);
    L.mlp_norm = norm("mlp_ln");
    n.layers.push_back(L);
  }
  n.pooler = {"pooler.dense.weight", "pooler.dense.bias"};
  n.base_model_prefixes = {"new.", "gte."};  // Alibaba's remote code, transformers' GteFor*
  n.head_prefixes = {"lm_head.", "classifier.", "score."};
  check_encoder_dims(c, file);
  return c;
}

}  // namespace sembed::loader
