// Reads a sentence-transformers (or plain transformers) model directory's configuration:
// config.json, modules.json, sentence_bert_config.json, 1_Pooling/config.json (the Pooling
// module's folder), and tokenizer_config.json's model_max_length when sentence_bert_config.json
// does not give max_seq_length. Supported pipeline: Transformer (BERT) -> Pooling -> optional
// Normalize; anything else (another architecture, a Dense module, ...) is refused by name.
// Does not read weights (see weight_store.hpp) nor the tokenizer (see tokenizer/).
#pragma once

#include <filesystem>
#include <optional>
#include <sembed/types.hpp>
#include <string>
#include <vector>

namespace sembed::loader {

// The BERT fields of config.json.
struct BertConfig {
  std::string model_type;    // "bert"
  std::string architecture;  // architectures[0] if present, e.g. "BertModel"
  int vocab_size = 0;
  int hidden_size = 0;
  int num_hidden_layers = 0;
  int num_attention_heads = 0;
  int intermediate_size = 0;
  int max_position_embeddings = 0;
  int type_vocab_size = 2;
  float layer_norm_eps = 1e-12f;
  std::string hidden_act = "gelu";
  int pad_token_id = 0;
};

// What the sentence-transformers modules say about pooling and normalization.
struct PoolingConfig {
  PoolingMode mode = PoolingMode::Mean;
  bool include_prompt = true;
};

struct ModelDirectory {
  // Where the Transformer module's files are: config.json, weights, tokenizer files. The same
  // as root except for old sentence-transformers layouts whose modules.json puts the
  // Transformer in a sub-folder (e.g. "0_BERT").
  std::filesystem::path dir;
  std::filesystem::path root;  // the directory the user gave
  BertConfig bert;
  PoolingConfig pooling;
  bool normalize = false;  // a sentence_transformers.models.Normalize module is present
  // From sentence_bert_config.json; else, as sentence-transformers does,
  // min(max_position_embeddings, tokenizer_config.json's model_max_length when present).
  int max_seq_length = 0;
  std::optional<bool> do_lower_case;  // from sentence_bert_config.json when present
  bool has_modules_json = false;
  std::vector<std::string>
      notes;  // things the user should know, e.g. "no modules.json: mean pooling"
};

// Throws sembed::Error naming the file and field at fault.
ModelDirectory read_model_directory(const std::filesystem::path& dir);

}  // namespace sembed::loader
