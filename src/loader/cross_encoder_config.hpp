// CrossEncoderConfig: what makes a model directory a sentence-transformers CrossEncoder (a
// transformers *ForSequenceClassification checkpoint) and how its scores are computed: the
// family's classification head (which token or mean is taken, the head's dense layer and
// activation, an optional LayerNorm, the output projection to num_labels logits), the labels
// (config.json id2label) and the activation sentence-transformers applies to the logits.
// Weights are bound by model/classifier_head.hpp.
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "loader/encoder_config.hpp"
#include "loader/st_modules.hpp"

namespace sembed::loader {

// The head of a *ForSequenceClassification class, written as data (names after the base-model
// prefix is stripped):
//   BERT, NomicBERT, GTE:         first token -> pooler.dense, tanh -> classifier
//   RoBERTa, XLM-R, CamemBERT,
//   MPNet:                        first token -> classifier.dense, tanh -> classifier.out_proj
//   DistilBERT:                   first token -> pre_classifier, relu -> classifier
//   ModernBERT:                   first token or mean (classifier_pooling) -> head.dense,
//                                 classifier_activation -> head.norm -> classifier
struct ClassifierHeadConfig {
  bool mean_pool = false;  // mean over the sequence's tokens instead of its first token
  LinearNames dense;       // [H, H]
  DenseActivation dense_activation = DenseActivation::Tanh;
  NormNames norm;          // empty weight: no LayerNorm
  float norm_eps = 1e-5f;
  LinearNames out;         // [num_labels, H]
  int num_labels = 1;
};

// What sentence-transformers applies to the logits in CrossEncoder.predict.
enum class ScoreActivation { Identity, Sigmoid, Tanh };

struct CrossEncoderConfig {
  ClassifierHeadConfig head;
  ScoreActivation activation = ScoreActivation::Sigmoid;
  std::string activation_name;      // as written, or the default's torch class name
  std::vector<std::string> labels;  // id2label in id order (num_labels entries)
  // Whether the Hugging Face tokenizer hands the model token_type_ids (its model_input_names):
  // only then does a pair's second text reach the model with type id 1; otherwise all are 0.
  bool pair_type_ids = false;
};

// The tensor names the head binds (after the base-model prefix is stripped).
std::vector<std::string> head_tensor_names(const ClassifierHeadConfig& head);

// Whether config.json's architecture is a *ForSequenceClassification class.
bool is_sequence_classifier(const EncoderConfig& encoder);

// Reads the head (config.json, through the family), the labels, whether pairs get type ids
// (tokenizer_config.json's model_input_names, else its tokenizer_class, else the class
// AutoTokenizer picks for the model_type) and the activation: first
// config_sentence_transformers.json's activation_fn (sentence-transformers 5+), then config.json's
// sentence_transformers.activation_fn (4.x) or sbert_ce_default_activation_function (< 4); else
// Sigmoid for one label and Identity for more, as CrossEncoder does. An activation outside torch
// is ignored with a note, as CrossEncoder ignores an untrusted one. Throws sembed::Error naming
// the file and field.
CrossEncoderConfig read_cross_encoder_config(const std::filesystem::path& config_file,
                                             const EncoderConfig& encoder,
                                             const std::filesystem::path& st_config_file,
                                             std::vector<std::string>& notes);

// "Classifier (first token -> pooler.dense, tanh -> 1 label), activation Sigmoid".
std::string describe_classifier(const CrossEncoderConfig& c);

// "Identity", "Sigmoid", "Tanh".
const char* to_string(ScoreActivation a);

}  // namespace sembed::loader
