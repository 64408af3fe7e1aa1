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
  c.architecture =
      config_architecture(j, file, {"Roberta", "XLMRoberta", "Camembert"}, "RoBERTa", base);
  // RobertaConfig's default vocabulary is GPT-2's; XLM-R's and CamemBERT's configs default to
  // BERT's. Real checkpoints always give it.
  read_bert_shaped_fields(j, file, type == "roberta" ? 50265 : 30522, 1, c);
  c.position_ids = PositionIds::AfterPadding;
  c.padding_idx = c.pad_token_id;  // RobertaEmbeddings: padding_idx = config.pad_token_id
  c.names = bert_layout_names(c.num_hidden_layers);
  c.names.base_model_prefixes = {"roberta."};
  c.names.head_prefixes = {"lm_head.", "classifier.", "qa_outputs."};
  check_encoder_dims(c, file);
  return c;
}

}  // namespace sembed::loader
