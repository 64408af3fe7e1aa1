// sembed cross-encoders: score (query, document) pairs with a sentence-transformers CrossEncoder
// directory (a transformers *ForSequenceClassification checkpoint of a supported family), as
// sentence-transformers' CrossEncoder.predict and rank do.
//
// Ownership and thread safety as Model (sembed.hpp): CrossEncoder::load returns a shared_ptr to
// an immutable model; predict() and rank() may be called concurrently from any number of threads.
#pragma once

#include <cstddef>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <sembed/sembed.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sembed {

struct PredictOptions {
  // Tokens per pair, specials included (default: the model's max_seq_length). Pairs are cut
  // longest_first, as the Hugging Face tokenizer does for CrossEncoder.
  std::optional<size_t> max_length;
  bool truncate = true;  // false: a pair longer than max_length is an Error
  // true: the model's activation (ModelInfo::activation; Sigmoid for one label unless the
  // directory says otherwise) is applied to the logits; false: raw logits
  // (CrossEncoder.predict(activation_fn=torch.nn.Identity())).
  bool apply_activation = true;
  // Softmax over each pair's labels after the activation (models with more than one label).
  bool apply_softmax = false;
  size_t batch_size = 32;  // pairs per forward pass (does not change results)
  std::function<void(size_t, size_t)> progress;  // (pairs done, total) after each batch
};

struct RankedDocument {
  size_t corpus_id;  // index into the documents given to rank()
  float score;
};

class CrossEncoder {
 public:
  // Throws sembed::Error naming what is missing or malformed, or, for an embedding model's
  // directory, saying that it is not a cross-encoder.
  static std::shared_ptr<CrossEncoder> load(const std::filesystem::path& dir,
                                            const LoadOptions& = {});

  // [pairs.size(), num_labels()] scores in input order.
  Matrix predict(const std::vector<std::pair<std::string, std::string>>& pairs,
                 const PredictOptions& = {}) const;
  // The documents by their score against the query, best first (ties: lower id first), the
  // first top_k of them (all when not given). Models with one label only, as
  // CrossEncoder.rank.
  std::vector<RankedDocument> rank(std::string_view query, const std::vector<std::string>& documents,
                                   std::optional<size_t> top_k = {},
                                   const PredictOptions& = {}) const;

  // The tokens of one pair as the model sees them: type id 1 for the second text when the
  // model's tokenizer hands the model type ids (tokenizer_config.json; BERT-style tokenizers),
  // else all 0. Throws sembed::Error for invalid UTF-8 or, without truncation, a pair longer
  // than max_length.
  TokenizedText tokenize(std::string_view a, std::string_view b,
                         std::optional<size_t> max_length = {}, bool truncate = true) const;
  // The same for one text alone (a classifier over single texts, TEI's /predict with a string).
  TokenizedText tokenize(std::string_view text, std::optional<size_t> max_length = {},
                         bool truncate = true) const;

  // Scores from token ids as tokenize() gives them (with special tokens; type_ids[i] as long as
  // ids[i], or type_ids empty for all 0). Lets a caller that tokenizes itself (the server) batch
  // pairs of many requests. Throws sembed::Error for ids outside the vocabulary, an empty or
  // too-long sequence, or mismatched lengths.
  Matrix predict_ids(const std::vector<std::vector<int32_t>>& ids,
                     const std::vector<std::vector<int32_t>>& type_ids,
                     const PredictOptions& = {}) const;
  // What predict() does to the logits under `options` (activation, softmax), in place.
  void apply_activation(Matrix& logits, const PredictOptions& options) const;

  size_t num_labels() const;
  size_t max_seq_length() const;
  // labels and activation are set; pooling, normalize, modules describe the classifier head.
  const ModelInfo& info() const;

  ~CrossEncoder();
  struct Impl;
  explicit CrossEncoder(std::unique_ptr<Impl> impl);

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace sembed
