// BERT (transformers' BertModel): learned absolute positions 0..n-1, token types, post-norm
// layers, erf GELU. Any vocabulary size and tokenizer (a 250k XLM-R Unigram vocabulary works the
// same way). Defaults are transformers' BertConfig defaults, used for absent fields.
#include <sembed/error.hpp>

#include "loader/config_fields.hpp"
#include "loader/families/families.hpp"
#include "loader/json_file.hpp"

namespace sembed::loader {

void read_bert_shaped_fields(const nlohmann::json& j, const std::filesystem::path& file,
                             int default_vocab_size, int default_pad_token_id, EncoderConfig& c) {
  c.vocab_size = config_int(j, "vocab_size", file, default_vocab_size, 1, 10'000'000);
  c.hidden_size = config_int(j, "hidden_size", file, 768, 1, 65536);
  c.num_hidden_layers = config_int(j, "num_hidden_layers", file, 12, 1, 1024);
  c.num_attention_heads = config_int(j, "num_attention_heads", file, 12, 1, 65536);
  c.intermediate_size = config_int(j, "intermediate_size", file, 3072, 1, 1 << 20);
  c.max_position_embeddings = config_int(j, "max_position_embeddings", file, 512, 1, 1 << 20);
  c.type_vocab_size = config_int(j, "type_vocab_size", file, 2, 1, 65536);
  c.pad_token_id = config_int(j, "pad_token_id", file, default_pad_token_id, 0, c.vocab_size - 1);
  c.layer_norm_eps = config_eps(j, "layer_norm_eps", file, 1e-12f);
  c.activation = config_activation(j, "hidden_act", file, c.hidden_act);
  if (auto pos = json_string(j, "position_embedding_type", file); pos && *pos != "absolute")
    throw Error(file.string() + ": position_embedding_type '" + *pos +
                "' is not supported (only 'absolute')");
}

EncoderConfig read_bert_config(const nlohmann::json& j, const std::filesystem::path& file) {
  EncoderConfig c;
  c.architecture = config_architecture(j, file, {"Bert"}, "BERT", "BertModel");
  read_bert_shaped_fields(j, file, 30522, 0, c);
  c.position_ids = PositionIds::Sequential;
  c.names = bert_layout_names(c.num_hidden_layers);
  c.names.base_model_prefixes = {"bert."};
  c.names.head_prefixes = {"cls.", "classifier.", "qa_outputs."};
  check_encoder_dims(c, file);
  return c;
}

}  // namespace sembed::loader
