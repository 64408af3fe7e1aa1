// Reads a sentence-transformers (or plain transformers) model directory's configuration:
// config.json (through the model family's reader, families/), modules.json,
// sentence_bert_config.json, the Pooling module's config.json, Dense modules' config.json,
// config_sentence_transformers.json's prompts, and tokenizer_config.json's model_max_length when
// sentence_bert_config.json does not give max_seq_length. Supported pipelines: Transformer ->
// Pooling -> any sequence of Dense and Normalize, and a lone sequence-classification Transformer
// (a CrossEncoder, cross_encoder_config.hpp); anything else is refused by name.
// Does not read weights (see weight_store.hpp) nor the tokenizer (see tokenizer/).
#pragma once

#include <filesystem>
#include <optional>
#include <sembed/types.hpp>
#include <string>
#include <vector>

#include "loader/cross_encoder_config.hpp"
#include "loader/encoder_config.hpp"
#include "loader/st_modules.hpp"

namespace sembed::loader {

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
  EncoderConfig encoder;
  PoolingConfig pooling;
  std::vector<OutputModule> modules;  // after Pooling, in modules.json order
  bool normalize = false;  // the last module is Normalize (the embeddings come out unit length)
  PromptConfig prompts;    // config_sentence_transformers.json
  // From sentence_bert_config.json; else, as sentence-transformers does,
  // min(max_position_embeddings, tokenizer_config.json's model_max_length when present).
  int max_seq_length = 0;
  std::optional<bool> do_lower_case;  // from sentence_bert_config.json when present
  // The sentence embedding's size: the hidden size, or the last Dense module's out_features.
  int embedding_dimension = 0;
  bool has_modules_json = false;
  // Set when the directory is a cross-encoder: a sentence-transformers CrossEncoder (modules.json
  // holds only a Transformer whose sentence_bert_config.json says transformer_task
  // "sequence-classification", or config_sentence_transformers.json says model_type
  // "CrossEncoder": declared_cross_encoder) or a plain transformers *ForSequenceClassification
  // directory (no modules.json), which also loads as an embedding model, as in
  // sentence-transformers.
  std::optional<CrossEncoderConfig> cross_encoder;
  bool declared_cross_encoder = false;
  std::vector<std::string>
      notes;  // things the user should know, e.g. "no modules.json: mean pooling"
};

// Throws sembed::Error naming the file and field at fault.
ModelDirectory read_model_directory(const std::filesystem::path& dir);

// The modules after the Transformer, one line each: "Pooling (mean)", "Pooling (cls,
// include_prompt false)", "Dense 768 -> 512, bias, Tanh", "Normalize".
std::vector<std::string> describe_modules(const ModelDirectory& md);

}  // namespace sembed::loader
