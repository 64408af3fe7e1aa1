// sembed public API: load a sentence-transformers model directory, encode texts into sentence
// embeddings, compare them.
//
// Ownership: Model::load returns a shared_ptr; the model owns its weights (memory-mapped) and
// tokenizer. Embeddings / Matrix own their floats.
// Thread safety: a loaded Model is immutable; encode(), encode_tokens(), encode_ids() and
// tokenize() may be called concurrently from any number of threads. Each call runs its own
// forward pass with its own scratch buffers (see docs/api.md).
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <sembed/error.hpp>
#include <sembed/types.hpp>

namespace sembed {

// A dense row-major float matrix.
struct Matrix {
  size_t rows = 0;
  size_t cols = 0;
  std::vector<float> data;

  Matrix() = default;
  Matrix(size_t r, size_t c) : rows(r), cols(c), data(r * c, 0.0f) {}
  float* row(size_t i) { return data.data() + i * cols; }
  const float* row(size_t i) const { return data.data() + i * cols; }
  float& at(size_t i, size_t j) { return data[i * cols + j]; }
  float at(size_t i, size_t j) const { return data[i * cols + j]; }
};

struct LoadOptions {
  int threads = 0;  // threads for one encode call; 0 = number of physical cores
};

struct EncodeOptions {
  std::optional<PoolingMode> pooling;  // default: the model's 1_Pooling/config.json
  std::optional<bool> normalize;       // default: whether the model has a Normalize module
  std::optional<size_t> max_length;    // default: the model's max_seq_length (tokens incl. specials)
  bool truncate = true;                // false: an input longer than max_length is an Error
  size_t batch_size = 32;              // texts per forward pass (does not change results)
  // Called after each batch with (texts done, total); may be empty.
  std::function<void(size_t, size_t)> progress;
};

// The tokens of one text as the model sees them.
struct TokenizedText {
  std::vector<int32_t> ids;
  std::vector<int32_t> type_ids;
  std::vector<std::string> tokens;
  std::vector<std::pair<size_t, size_t>> offsets;  // code points into the text
};

struct ModelInfo {
  std::filesystem::path dir;
  std::string architecture;
  int hidden_size = 0, num_layers = 0, num_heads = 0, intermediate_size = 0, vocab_size = 0;
  size_t max_seq_length = 0;
  PoolingMode pooling = PoolingMode::Mean;
  bool normalize = false;
  std::string weight_file, weight_dtype;
  size_t parameter_count = 0;
  double load_seconds = 0;
  std::vector<std::string> notes;
};

class Model {
 public:
  // Throws sembed::Error naming what is missing or malformed.
  static std::shared_ptr<Model> load(const std::filesystem::path& dir, const LoadOptions& = {});

  // [texts.size(), dimension()] sentence embeddings in input order.
  Matrix encode(const std::vector<std::string>& texts, const EncodeOptions& = {}) const;
  // Same from token ids (already with [CLS]/[SEP]); type ids all 0.
  Matrix encode_ids(const std::vector<std::vector<int32_t>>& ids, const EncodeOptions& = {}) const;
  // Per-text [n_tokens, hidden] last_hidden_state (sentence-transformers' output_value="token_embeddings").
  std::vector<Matrix> encode_tokens(const std::vector<std::string>& texts,
                                    const EncodeOptions& = {}) const;

  // Tokenizes with the model's max_seq_length truncation unless max_length is given.
  TokenizedText tokenize(std::string_view text, std::optional<size_t> max_length = {},
                         bool truncate = true) const;

  // Text of token ids, as Hugging Face tokenizers' decode (tokenizer.json's decoder; special
  // tokens left out when skip_special_tokens; ids the tokenizer does not know are skipped).
  std::string decode(const std::vector<int32_t>& ids, bool skip_special_tokens = true) const;

  size_t dimension() const;
  size_t max_seq_length() const;
  const ModelInfo& info() const;

  ~Model();
  struct Impl;
  explicit Model(std::unique_ptr<Impl> impl);

 private:
  std::unique_ptr<Impl> impl_;
};

// Where sembed looks for a model when none is given: $SEMBED_MODEL, then
// ${XDG_CACHE_HOME:-~/.cache}/sembed/models/all-MiniLM-L6-v2. Throws sembed::Error listing the
// places it looked when none holds a model.
std::filesystem::path resolve_model_dir(const std::optional<std::filesystem::path>& explicit_dir);

// Pairwise scores [a.rows, b.rows] (sentence-transformers' util.*_sim conventions).
Matrix similarity(const Matrix& a, const Matrix& b, SimilarityMetric metric);

struct SearchHit {
  size_t corpus_id;
  float score;
};
// For each query, the top_k corpus rows by cosine similarity, best first (ties: lower id first),
// as sentence-transformers' util.semantic_search.
std::vector<std::vector<SearchHit>> semantic_search(const Matrix& queries, const Matrix& corpus,
                                                    size_t top_k,
                                                    SimilarityMetric metric = SimilarityMetric::Cosine);

}  // namespace sembed
