// ModernBERT (transformers' ModernBertModel; modernbert-embed-base, gte-modernbert-base):
// pre-norm layers, h += attn(LN(h)) then h += mlp(LN(h)), with no attention norm in layer 0 and
// a final_norm after the last layer; no position table and no token types: rotary positions,
// with a base per layer type; "full_attention" layers attend to the whole sequence,
// "sliding_attention" layers to keys at distance <= local_attention / 2. GeGLU MLP from one
// fused Wi ([2I, H], activated half first); fused Wqkv. LayerNorms and linears have biases only
// when norm_bias / attention_bias / mlp_bias say so.
// Config fields: layer_types, or the older global_attn_every_n_layers (every n-th layer global,
// from layer 0); rope_parameters per layer type, or the older global_rope_theta /
// local_rope_theta. Tensors: embeddings.tok_embeddings, embeddings.norm, layers.N.attn_norm,
// layers.N.attn.{Wqkv,Wo}, layers.N.mlp_norm, layers.N.mlp.{Wi,Wo}, final_norm; prefix model.
#include <sembed/error.hpp>

#include "loader/config_fields.hpp"
#include "loader/families/families.hpp"
#include "loader/json_file.hpp"

namespace sembed::loader {

namespace {

bool config_flag(const nlohmann::json& j, const char* key, const std::filesystem::path& file,
                 bool fallback) {
  return json_bool(j, key, file).value_or(fallback);
}

// Whether each layer attends globally, from layer_types or global_attn_every_n_layers.
std::vector<bool> global_layers(const nlohmann::json& j, const std::filesystem::path& file,
                                int layers) {
  std::vector<bool> global(layers);
  auto it = j.find("layer_types");
  if (it != j.end() && !it->is_null()) {
    if (!it->is_array() || it->size() != static_cast<size_t>(layers))
      throw Error(file.string() + ": field 'layer_types' should list one type per layer (" +
                  std::to_string(layers) + ")");
    for (int l = 0; l < layers; ++l) {
      const auto& t = (*it)[l];
      if (t == "full_attention") global[l] = true;
      else if (t == "sliding_attention") global[l] = false;
      else
        throw Error(file.string() + ": layer_types[" + std::to_string(l) + "] = " + t.dump() +
                    " is not supported (full_attention or sliding_attention)");
    }
    return global;
  }
  const int every = config_int(j, "global_attn_every_n_layers", file, 3, 1, 1 << 20);
  for (int l = 0; l < layers; ++l) global[l] = l % every == 0;
  return global;
}

}  // namespace

EncoderConfig read_modernbert_config(const nlohmann::json& j, const std::filesystem::path& file) {
  EncoderConfig c;
  c.architecture = config_architecture(j, file, {"ModernBert"}, "ModernBERT", "ModernBertModel");
  c.vocab_size = config_int(j, "vocab_size", file, 50368, 1, 10'000'000);
  c.hidden_size = config_int(j, "hidden_size", file, 768, 1, 65536);
  c.num_hidden_layers = config_int(j, "num_hidden_layers", file, 22, 1, 1024);
  c.num_attention_heads = config_int(j, "num_attention_heads", file, 12, 1, 65536);
  c.intermediate_size = config_int(j, "intermediate_size", file, 1152, 1, 1 << 20);
  c.max_position_embeddings = config_int(j, "max_position_embeddings", file, 8192, 1, 1 << 20);
  c.type_vocab_size = 0;
  c.pad_token_id = config_int(j, "pad_token_id", file, 50283, 0, c.vocab_size - 1);
  c.layer_norm_eps = config_eps(j, "norm_eps", file, 1e-5f);
  c.activation = config_gate_activation(j, "hidden_activation", file, "gelu", c.hidden_act);
  const bool norm_bias = config_flag(j, "norm_bias", file, false);
  const bool attention_bias = config_flag(j, "attention_bias", file, false);
  const bool mlp_bias = config_flag(j, "mlp_bias", file, false);
  const int local_attention = config_int(j, "local_attention", file, 128, 2, 1 << 20);

  double global_theta = 160000.0, local_theta = 10000.0;  // ModernBertConfig.default_theta
  if (auto v = json_number(j, "global_rope_theta", file)) global_theta = *v;
  if (auto v = json_number(j, "local_rope_theta", file)) local_theta = *v;
  if (auto it = j.find("rope_scaling"); it != j.end() && !it->is_null())
    config_rope_theta(*it, "rope_scaling", file, 0);  // refuses any scaling
  if (auto it = j.find("rope_parameters"); it != j.end() && !it->is_null()) {
    if (!it->is_object())
      throw Error(file.string() + ": field 'rope_parameters' should be an object");
    if (it->contains("rope_type") || it->contains("rope_theta")) {
      global_theta = local_theta = config_rope_theta(*it, "rope_parameters", file, global_theta);
    } else {
      if (auto g = it->find("full_attention"); g != it->end())
        global_theta = config_rope_theta(*g, "rope_parameters.full_attention", file, global_theta);
      if (auto l = it->find("sliding_attention"); l != it->end())
        local_theta = config_rope_theta(*l, "rope_parameters.sliding_attention", file, local_theta);
    }
  }
  const std::vector<bool> global = global_layers(j, file, c.num_hidden_layers);
  for (int l = 0; l < c.num_hidden_layers; ++l)
    c.layer_attention.push_back(global[l] ? LayerAttention{0, global_theta}
                                          : LayerAttention{local_attention / 2, local_theta});
  c.position_encoding = PositionEncoding::Rotary;
  c.position_ids = PositionIds::Sequential;
  c.norm_placement = NormPlacement::Pre;
  c.gated_mlp = true;

  EncoderTensorNames& n = c.names;
  auto norm = [&](const std::string& m) {
    return NormNames{m + ".weight", norm_bias ? m + ".bias" : ""};
  };
  auto lin = [&](const std::string& m, bool bias) {
    return LinearNames{m + ".weight", bias ? m + ".bias" : ""};
  };
  n.word_embeddings = "embeddings.tok_embeddings.weight";
  n.embedding_norm = norm("embeddings.norm");
  for (int l = 0; l < c.num_hidden_layers; ++l) {
    const std::string p = "layers." + std::to_string(l) + ".";
    LayerTensorNames L;
    if (l > 0) L.attention_norm = norm(p + "attn_norm");  // layer 0: nn.Identity
    L.qkv = lin(p + "attn.Wqkv", attention_bias);
    L.o = lin(p + "attn.Wo", attention_bias);
    L.mlp_norm = norm(p + "mlp_norm");
    L.up = lin(p + "mlp.Wi", mlp_bias);
    L.down = lin(p + "mlp.Wo", mlp_bias);
    n.layers.push_back(L);
  }
  n.final_norm = norm("final_norm");
  n.base_model_prefixes = {"model."};
  n.head_prefixes = {"head.", "decoder.", "classifier.", "score."};
  check_encoder_dims(c, file);
  return c;
}

}  // namespace sembed::loader
