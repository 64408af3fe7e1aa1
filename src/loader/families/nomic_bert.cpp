// NomicBERT (nomic-embed-text-v1 / v1.5; transformers' NomicBertModel): BERT's post-norm layers
// with rotary positions over the whole head instead of a position table, token types, bias-free
// projections and a SwiGLU MLP, down(silu(fc12·x) * (fc11·x)).
// config.json comes in two spellings of the same model, both read:
//  - transformers' own (hidden_size, num_attention_heads, ..., hidden_act, rope_parameters);
//  - the original nomic-embed one of the published checkpoints (trust_remote_code: n_embd,
//    n_head, n_layer, n_inner, n_positions, layer_norm_epsilon, rotary_emb_base,
//    activation_function swiglu, ...).
// The tensors have one layout on disk in both cases: transformers 5 maps its module names back to
// the original ones when it saves (its conversion mapping for nomic_bert): emb_ln,
// encoder.layers.N.attn.Wqkv (fused q|k|v), attn.out_proj, mlp.fc12 (activated: gate_proj),
// mlp.fc11 (up_proj), mlp.fc2 (down_proj), norm1, norm2.
// Options of the original code that would change the numbers (partial or interleaved rotary,
// pre-norm, RMSNorm, biases, rotary scaling) are refused by name.
#include <sembed/error.hpp>

#include "loader/config_fields.hpp"
#include "loader/families/families.hpp"
#include "loader/json_file.hpp"

namespace sembed::loader {
namespace {

// Original-configuration options whose non-default values this reader refuses.
void refuse_original_options(const nlohmann::json& j, const std::filesystem::path& file) {
  auto refuse = [&](const std::string& field, const std::string& why) {
    throw Error(file.string() + ": " + field + " is not supported (" + why + ")");
  };
  if (auto f = json_number(j, "rotary_emb_fraction", file); f && *f != 1.0)
    refuse("rotary_emb_fraction " + std::to_string(*f), "only rotary over the whole head");
  if (json_bool(j, "rotary_emb_interleaved", file).value_or(false))
    refuse("rotary_emb_interleaved true", "only the rotate-half layout");
  if (auto it = j.find("rotary_scaling_factor"); it != j.end() && !it->is_null())
    refuse("rotary_scaling_factor", "only unscaled rotary positions");
  for (const char* flag : {"prenorm", "use_rms_norm", "qkv_proj_bias", "mlp_fc1_bias",
                           "mlp_fc2_bias", "causal", "fused_bias_fc_false"})
    if (json_bool(j, flag, file).value_or(false)) refuse(std::string(flag) + " true", "only the "
                                                         "published nomic-embed architecture: "
                                                         "post-norm, LayerNorm, bias-free");
  const std::string act = json_string(j, "activation_function", file).value_or("swiglu");
  if (act != "swiglu")
    refuse("activation_function '" + act + "'", "only 'swiglu'");
}

void set_names(EncoderConfig& c) {
  EncoderTensorNames& n = c.names;
  n.word_embeddings = "embeddings.word_embeddings.weight";
  n.token_type_embeddings = "embeddings.token_type_embeddings.weight";
  n.embedding_norm = {"emb_ln.weight", "emb_ln.bias"};
  for (int l = 0; l < c.num_hidden_layers; ++l) {
    const std::string p = "encoder.layers." + std::to_string(l) + ".";
    auto lin = [&](const std::string& m) { return LinearNames{p + m + ".weight", ""}; };
    auto norm = [&](const std::string& m) { return NormNames{p + m + ".weight", p + m + ".bias"}; };
    LayerTensorNames L;
    L.qkv = lin("attn.Wqkv");
    L.o = lin("attn.out_proj");
    L.attention_norm = norm("norm1");
    L.up = lin("mlp.fc12");
    L.multiplier = lin("mlp.fc11");
    L.down = lin("mlp.fc2");
    L.mlp_norm = norm("norm2");
    n.layers.push_back(L);
  }
  n.pooler = {"pooler.dense.weight", "pooler.dense.bias"};
  // NomicBertForPreTraining checkpoints keep the encoder under bert., transformers' head classes
  // under nomic_bert.
  n.base_model_prefixes = {"bert.", "nomic_bert."};
  n.head_prefixes = {"lm_head.", "cls.", "classifier.", "score."};
}

}  // namespace

EncoderConfig read_nomic_bert_config(const nlohmann::json& j, const std::filesystem::path& file) {
  EncoderConfig c;
  c.architecture = config_architecture(j, file, {"NomicBert"}, "NomicBERT", "NomicBertModel");
  const bool original = j.contains("n_embd");
  // The field under its transformers name, else under the original one.
  auto field = [&](const char* hf, const char* orig) { return j.contains(hf) || !original ? hf : orig; };
  c.vocab_size = config_int(j, field("vocab_size", "vocab_size"), file, 30528, 1, 10'000'000);
  c.hidden_size = config_int(j, field("hidden_size", "n_embd"), file, 768, 1, 65536);
  c.num_hidden_layers = config_int(j, field("num_hidden_layers", "n_layer"), file, 12, 1, 1024);
  c.num_attention_heads = config_int(j, field("num_attention_heads", "n_head"), file, 12, 1, 65536);
  // GPT-2-style configs mean 4 * n_embd by a null n_inner.
  c.intermediate_size = config_int(j, field("intermediate_size", "n_inner"), file,
                                   original ? 4 * c.hidden_size : 3072, 1, 1 << 20);
  c.max_position_embeddings =
      config_int(j, field("max_position_embeddings", "n_positions"), file, 2048, 1, 1 << 20);
  c.type_vocab_size = config_int(j, "type_vocab_size", file, 2, 1, 65536);
  c.pad_token_id = config_int(j, "pad_token_id", file, 0, 0, c.vocab_size - 1);
  c.layer_norm_eps = config_eps(j, field("layer_norm_eps", "layer_norm_epsilon"), file, 1e-12f);
  if (auto hd = json_int(j, "head_dim", file);
      hd && *hd != c.hidden_size / std::max(1, c.num_attention_heads))
    throw Error(file.string() + ": head_dim " + std::to_string(*hd) +
                " is not hidden_size / num_attention_heads (not supported)");
  double theta = 1000.0;  // NomicBertConfig.default_theta
  if (original) {
    refuse_original_options(j, file);
    c.hidden_act = "silu";
    c.activation = Activation::Silu;
    if (auto base = json_number(j, "rotary_emb_base", file)) theta = *base;
  } else {
    c.activation = config_gate_activation(j, "hidden_act", file, "silu", c.hidden_act);
    if (auto legacy = json_number(j, "rope_theta", file)) theta = *legacy;
    if (auto it = j.find("rope_scaling"); it != j.end() && !it->is_null())
      theta = config_rope_theta(*it, "rope_scaling", file, theta);
    if (auto it = j.find("rope_parameters"); it != j.end())
      theta = config_rope_theta(*it, "rope_parameters", file, theta);
  }
  c.position_encoding = PositionEncoding::Rotary;
  c.position_ids = PositionIds::Sequential;
  c.gated_mlp = true;
  c.layer_attention.assign(c.num_hidden_layers, LayerAttention{0, theta});
  set_names(c);
  check_encoder_dims(c, file);
  return c;
}

}  // namespace sembed::loader
