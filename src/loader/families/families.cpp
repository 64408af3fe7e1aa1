// The family table and the model_type dispatch.
#include "loader/families/families.hpp"

#include <sembed/error.hpp>

#include "loader/json_file.hpp"

namespace sembed::loader {

const std::vector<Family>& families() {
  static const std::vector<Family> kFamilies = {
      {"bert", {"bert"}, read_bert_config},
      {"roberta", {"roberta", "xlm-roberta", "camembert"}, read_roberta_config},
      {"mpnet", {"mpnet"}, read_mpnet_config},
      {"distilbert", {"distilbert"}, read_distilbert_config},
      {"nomic_bert", {"nomic_bert"}, read_nomic_bert_config},
      {"modernbert", {"modernbert"}, read_modernbert_config},
      {"gte", {"gte", "new"}, read_gte_config},
  };
  return kFamilies;
}

std::string supported_model_types() {
  std::string out;
  for (const auto& f : families())
    for (const auto& t : f.model_types) out += (out.empty() ? "" : ", ") + t;
  return out;
}

EncoderConfig read_encoder_config(const std::filesystem::path& file) {
  const auto j = read_json_file(file);
  if (!j.is_object()) throw Error(file.string() + ": not a JSON object");
  const auto model_type = json_string(j, "model_type", file);
  if (!model_type)
    throw Error(file.string() + ": no 'model_type' field (supported: " + supported_model_types() +
                ")");
  for (const auto& f : families())
    for (const auto& t : f.model_types)
      if (t == *model_type) {
        EncoderConfig c = f.read(j, file);
        c.family = f.name;
        c.model_type = *model_type;
        return c;
      }
  throw Error(file.string() + ": model_type '" + *model_type +
              "' is not supported (supported: " + supported_model_types() + ")");
}

EncoderTensorNames bert_layout_names(int num_layers) {
  EncoderTensorNames n;
  n.word_embeddings = "embeddings.word_embeddings.weight";
  n.position_embeddings = "embeddings.position_embeddings.weight";
  n.token_type_embeddings = "embeddings.token_type_embeddings.weight";
  n.embedding_norm = {"embeddings.LayerNorm.weight", "embeddings.LayerNorm.bias"};
  for (int l = 0; l < num_layers; ++l) {
    const std::string p = "encoder.layer." + std::to_string(l) + ".";
    auto lin = [&](const std::string& m) {
      return LinearNames{p + m + ".weight", p + m + ".bias"};
    };
    auto norm = [&](const std::string& m) { return NormNames{p + m + ".weight", p + m + ".bias"}; };
    n.layers.push_back({lin("attention.self.query"), lin("attention.self.key"),
                        lin("attention.self.value"), lin("attention.output.dense"),
                        norm("attention.output.LayerNorm"), lin("intermediate.dense"),
                        lin("output.dense"), norm("output.LayerNorm"), {}, {}});
  }
  n.pooler = {"pooler.dense.weight", "pooler.dense.bias"};
  return n;
}

}  // namespace sembed::loader
