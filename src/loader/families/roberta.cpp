// RoBERTa, XLM-RoBERTa and CamemBERT (transformers' RobertaModel, XLMRobertaModel,
// CamembertModel): BERT's blocks and tensor names, with positions counted after the padding id
// (padding_idx + 1 + cumsum over non-padding ids, hence 514 rows for 512 tokens) and usually a
// single token type. The three differ only in class names and defaults.
#include <sembed/error.hpp>

#include "loader/config_fields.hpp"
#include "loader/families/families.hpp"
#include "loader/json_file.hpp"

namespace sembed::loader {

EncoderConfig read_roberta_config(const nlohmann::json& j, const std::filesystem::path& file) {
  EncoderConfig c;
  const std::string type = json_string(j, "model_type", file).value_or("roberta");
  const std::string base = type == "xlm-roberta" ? "XLMRobertaModel"
                           : type == "camembert" ? "CamembertModel"
                                                 : "RobertaModel";
  c.architecture = config_architecture(j, file, {"Roberta", "XLMRoberta", "Camembert"},
                                       "RoBERTa", base);
  // RobertaConfig's default vocabulary is GPT-2's; XLM-R's and CamemBERT's configs default to
  // BERT's. Real checkpoints always give it.
  c.vocab_size = config_int(j, "vocab_size", file, type == "roberta" ? 50265 : 30522, 1,
                            10'000'000);
  c.hidden_size = config_int(j, "hidden_size", file, 768, 1, 65536);
  c.num_hidden_layers = config_int(j, "num_hidden_layers", file, 12, 1, 1024);
  c.num_attention_heads = config_int(j, "num_attention_heads", file, 12, 1, 65536);
  c.intermediate_size = config_int(j, "intermediate_size", file, 3072, 1, 1 << 20);
  c.max_position_embeddings = config_int(j, "max_position_embeddings", file, 512, 1, 1 << 20);
  c.type_vocab_size = config_int(j, "type_vocab_size", file, 2, 1, 65536);
  c.pad_token_id = config_int(j, "pad_token_id", file, 1, 0, c.vocab_size - 1);
  c.layer_norm_eps = config_eps(j, "layer_norm_eps", file, 1e-12f);
  c.activation = config_activation(j, "hidden_act", file, c.hidden_act);
  if (auto pos = json_string(j, "position_embedding_type", file); pos && *pos != "absolute")
    throw Error(file.string() + ": position_embedding_type '" + *pos +
                "' is not supported (only 'absolute')");
  c.position_ids = PositionIds::AfterPadding;
  c.padding_idx = c.pad_token_id;  // RobertaEmbeddings: padding_idx = config.pad_token_id
  c.names = bert_layout_names(c.num_hidden_layers);
  c.names.base_model_prefix = "roberta.";
  c.names.head_prefixes = {"lm_head.", "classifier.", "qa_outputs."};
  check_encoder_dims(c, file);
  return c;
}

}  // namespace sembed::loader
