// The model families sembed runs: each maps its config.json fields and its tensor names onto
// EncoderConfig (one file per family: bert.cpp, roberta.cpp, mpnet.cpp, distilbert.cpp,
// nomic_bert.cpp, modernbert.cpp, gte.cpp). Adding a family = one file here + one row in families.cpp;
// blocks it needs that model/ lacks are added to model/ once for all families.
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "loader/encoder_config.hpp"

namespace sembed::loader {

using FamilyReader = EncoderConfig (*)(const nlohmann::json& config, const std::filesystem::path&);

struct Family {
  std::string name;                      // "roberta"
  std::vector<std::string> model_types;  // {"roberta", "xlm-roberta", "camembert"}
  FamilyReader read;
};

const std::vector<Family>& families();

// "bert, roberta (roberta, xlm-roberta, camembert), ..." for error messages and docs.
std::string supported_model_types();

// Reads config.json and dispatches on model_type. Throws sembed::Error naming the file and field,
// or, for an unknown model_type, listing the supported ones.
EncoderConfig read_encoder_config(const std::filesystem::path& config_file);

// The per-family readers (see each file).
// The config.json fields BERT and RoBERTa share (sizes, pad id, LayerNorm eps, activation,
// absolute positions only), with the family's defaults for the vocabulary size and pad id.
void read_bert_shaped_fields(const nlohmann::json& j, const std::filesystem::path& file,
                             int default_vocab_size, int default_pad_token_id, EncoderConfig& c);
EncoderConfig read_bert_config(const nlohmann::json& j, const std::filesystem::path& file);
EncoderConfig read_roberta_config(const nlohmann::json& j, const std::filesystem::path& file);
EncoderConfig read_mpnet_config(const nlohmann::json& j, const std::filesystem::path& file);
EncoderConfig read_distilbert_config(const nlohmann::json& j, const std::filesystem::path& file);
EncoderConfig read_nomic_bert_config(const nlohmann::json& j, const std::filesystem::path& file);
EncoderConfig read_modernbert_config(const nlohmann::json& j, const std::filesystem::path& file);
EncoderConfig read_gte_config(const nlohmann::json& j, const std::filesystem::path& file);

// BERT's tensor layout (encoder.layer.N.attention.self.query, ...), shared by BERT and the
// RoBERTa family, which kept BERT's module names.
EncoderTensorNames bert_layout_names(int num_layers);

}  // namespace sembed::loader
