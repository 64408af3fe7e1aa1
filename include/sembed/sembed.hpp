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
#include <sembed/error.hpp>
#include <sembed/types.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

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

// An in-memory least-recently-used cache of sentence embeddings, bounded in bytes, for
// Model::encode (EncodeOptions::cache). A row is found by the token ids the model sees (the text
// with its prompt, after truncation), the model, and the pooling and normalization asked for, so
// one cache may serve several models and options; a cached row is bit-identical to a fresh one.
// Thread safe: one cache may be shared by concurrent encode() calls.
class EmbeddingCache {
 public:
  explicit EmbeddingCache(size_t max_bytes);
  ~EmbeddingCache();
  struct Stats {
    uint64_t hits = 0, misses = 0, evictions = 0;
    size_t entries = 0, bytes = 0, max_bytes = 0;
  };
  Stats stats() const;

  struct Impl;
  Impl& impl() const { return *impl_; }

 private:
  std::unique_ptr<Impl> impl_;
};

struct LoadOptions {
  int threads = 0;  // threads for one encode call; 0 = number of physical cores
  // The encoder's matmul arithmetic (types.hpp). bf16 and int8 are opt-in approximations with
  // measured quality (docs/precision.md); load throws an Error naming the missing instructions
  // on a CPU that has no native kernel for the one asked.
  DType dtype = DType::Float32;
};

struct EncodeOptions {
  std::optional<PoolingMode> pooling;  // default: the model's 1_Pooling/config.json
  // Default: the model's modules as modules.json lists them. true: the embeddings also come out
  // unit length (a final L2 normalization when the last module is not Normalize); false: a final
  // Normalize module is skipped (a Normalize before a Dense module always runs).
  std::optional<bool> normalize;
  // sentence-transformers' encode(prompt=, prompt_name=): `prompt` is prepended to every text
  // (an empty string means no prompt, overriding the default); else `prompt_name` names one of
  // config_sentence_transformers.json's prompts (unknown: an Error listing them); else the
  // model's default_prompt_name applies when it has one. Prompt tokens are left out of pooling
  // when the model's Pooling says include_prompt: false. Not used by encode_ids.
  std::optional<std::string> prompt;
  std::optional<std::string> prompt_name;
  std::optional<size_t> max_length;  // default: the model's max_seq_length (tokens incl. specials)
  bool truncate = true;              // false: an input longer than max_length is an Error
  size_t batch_size = 32;            // texts per forward pass (does not change results)
  // Called after each batch with (texts done, total); may be empty.
  std::function<void(size_t, size_t)> progress;
  // When set, encode() answers texts it has seen from the cache and adds the others (see
  // EmbeddingCache); not used by encode_ids or encode_tokens. In chunk mode it holds windows.
  std::shared_ptr<EmbeddingCache> cache;
  // What encode() does with a text longer than max_length (docs/long-text.md). Truncate: cut it
  // (an Error when truncate is false). Chunk: split the text's tokens into windows (Model::chunk)
  // of max_length tokens, each with the special tokens and the prompt, consecutive windows
  // sharing chunk_overlap tokens; embed every window as a text of its own; the text's embedding
  // is the mean of its windows' embeddings before the model's final Normalize, weighted by how
  // many of the text's tokens each window holds, then normalized as encode() would normalize
  // one. A text that fits is embedded bit-identically to Truncate. progress counts windows.
  // Not used by encode_ids or encode_tokens.
  LongText long_text = LongText::Truncate;
  size_t chunk_overlap = 32;  // tokens shared by consecutive windows; less than a window holds
};

// One token window of a text in chunk mode (EncodeOptions::long_text).
struct TextChunk {
  // The window as the model sees it: the leading special tokens, the prompt's tokens, the text's
  // tokens [token_begin, token_end), the trailing special tokens.
  std::vector<int32_t> ids;
  size_t prompt_tokens = 0;  // the leading ids a prompt accounts for (Model::prompt_length)
  // The text's own tokens in this window, counted from the text's first token (special and
  // prompt tokens not counted), and the Unicode code points of the text they cover.
  size_t token_begin = 0, token_end = 0;
  size_t char_begin = 0, char_end = 0;
};

// A text's windows and each window's embedding (Model::encode_chunks).
struct ChunkedText {
  std::vector<TextChunk> chunks;
  Matrix embeddings;  // [chunks.size(), dimension()]: as encode() embeds a text of those tokens
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
  // "bert", "roberta", "mpnet", "distilbert", "nomic_bert", "modernbert" or "gte"
  std::string family;
  std::string model_type;  // config.json model_type, e.g. "xlm-roberta"
  std::string architecture;
  int hidden_size = 0, num_layers = 0, num_heads = 0, intermediate_size = 0, vocab_size = 0;
  size_t max_seq_length = 0;
  // Most tokens one sequence may have: what the position embeddings allow (max_position_embeddings,
  // less RoBERTa's padding offset); the upper bound of EncodeOptions::max_length.
  size_t max_tokens = 0;
  PoolingMode pooling = PoolingMode::Mean;
  bool pooling_include_prompt = true;
  bool normalize = false;  // the last module is Normalize
  // The modules after the Transformer, as modules.json lists them, e.g. "Pooling (mean)",
  // "Dense 768 -> 512, bias, Tanh", "Normalize".
  std::vector<std::string> modules;
  std::vector<std::pair<std::string, std::string>> prompts;  // name, text (sorted by name)
  std::optional<std::string> default_prompt_name;
  std::string weight_file, weight_dtype;  // the checkpoint's file and tensor dtype
  // How the encoder computes: the matmul dtype it was loaded with, oneDNN's kernel for it (e.g.
  // "brg:avx512_core_vnni"), the bytes its matmul weights hold in that dtype, and the matrix
  // instructions this CPU offers (cpu_features(): "AMX-BF16", "AVX512-VNNI", ...).
  DType dtype = DType::Float32;
  std::string matmul_kernel;
  size_t matmul_weight_bytes = 0;
  std::vector<std::string> cpu_features;
  size_t parameter_count = 0;
  double load_seconds = 0;
  std::vector<std::string> notes;
  // Cross-encoders (CrossEncoder::info; empty for embedding models): the label of each score
  // column (config.json id2label) and the activation predict() applies to the logits
  // ("Sigmoid", "Identity", "Tanh").
  std::vector<std::string> labels;
  std::string activation;
};

class Model {
 public:
  // Throws sembed::Error naming what is missing or malformed.
  static std::shared_ptr<Model> load(const std::filesystem::path& dir, const LoadOptions& = {});

  // [texts.size(), dimension()] sentence embeddings in input order.
  Matrix encode(const std::vector<std::string>& texts, const EncodeOptions& = {}) const;
  // Same from token ids (already with [CLS]/[SEP]); type ids all 0.
  Matrix encode_ids(const std::vector<std::vector<int32_t>>& ids, const EncodeOptions& = {}) const;
  // Same, for sequences that start with a prompt's tokens: prompt_tokens[i] (one count per
  // sequence, 0 for none; prompt_length() counts them) leading tokens of ids[i] are left out of
  // pooling when the model's Pooling has include_prompt: false, as encode() leaves out its
  // prompt's. Lets a caller that tokenizes itself (the server) batch texts with different prompts.
  Matrix encode_ids(const std::vector<std::vector<int32_t>>& ids,
                    const std::vector<size_t>& prompt_tokens, const EncodeOptions& = {}) const;
  // Per-text [n_tokens, hidden] last_hidden_state (sentence-transformers'
  // output_value="token_embeddings").
  std::vector<Matrix> encode_tokens(const std::vector<std::string>& texts,
                                    const EncodeOptions& = {}) const;

  // Chunk mode's windows of one text (see EncodeOptions::long_text), in order; a text that fits
  // in max_length tokens (with its prompt) is one window, the tokens encode() would embed.
  // Throws sembed::Error when chunk_overlap leaves a window no new tokens, when the prompt fills
  // the whole window, or for a tokenizer that does not put fixed special tokens around a text.
  std::vector<TextChunk> chunk(std::string_view text, const EncodeOptions& = {}) const;
  // Every text's windows with their embeddings (sentence-transformers' encode of each window's
  // tokens), packed into the same batches; long_text is taken to be Chunk.
  std::vector<ChunkedText> encode_chunks(const std::vector<std::string>& texts,
                                         const EncodeOptions& = {}) const;

  // Tokenizes with the model's max_seq_length truncation unless max_length is given.
  TokenizedText tokenize(std::string_view text, std::optional<size_t> max_length = {},
                         bool truncate = true) const;

  // Text of token ids, as Hugging Face tokenizers' decode (tokenizer.json's decoder; special
  // tokens left out when skip_special_tokens; ids the tokenizer does not know are skipped).
  std::string decode(const std::vector<int32_t>& ids, bool skip_special_tokens = true) const;

  // The prompt EncodeOptions would prepend (see EncodeOptions::prompt); empty when none.
  // Throws sembed::Error for an unknown prompt name, listing the model's prompts.
  std::string resolve_prompt(const EncodeOptions& options) const;
  // sentence-transformers' prompt_length: the tokens of `prompt` that encode() leaves out of
  // pooling when include_prompt is false (its leading special token included, a trailing one
  // not; at most options.max_length or max_seq_length); 0 for an empty prompt.
  size_t prompt_length(const std::string& prompt, const EncodeOptions& options = {}) const;

  size_t dimension() const;  // the sentence embedding's size (after any Dense module)
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
std::vector<std::vector<SearchHit>> semantic_search(
    const Matrix& queries, const Matrix& corpus, size_t top_k,
    SimilarityMetric metric = SimilarityMetric::Cosine);

}  // namespace sembed
