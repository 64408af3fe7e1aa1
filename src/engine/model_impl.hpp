// Model::Impl: what a loaded model holds — its directory's configuration, its tokenizer, its
// encoder (which owns its prepacked copy of the weights, so the weight files are unmapped after
// load) and the sentence-transformers modules after pooling (Dense, Normalize) — and the encode
// pipeline over them (encode_pipeline.cpp).
// Immutable after load; every method is const and safe to call from many threads.
#pragma once

#include <sembed/sembed.hpp>

#include "loader/model_directory.hpp"
#include "loader/weight_store.hpp"
#include "model/dense_module.hpp"
#include "model/transformer_encoder.hpp"
#include "tokenizer/tokenizer.hpp"

namespace sembed {

struct Model::Impl {
  loader::ModelDirectory directory;
  tokenizer::Tokenizer tokenizer;
  model::TransformerEncoder encoder;
  // One per Dense entry of directory.modules, in order.
  std::vector<model::DenseModule> dense;
  ModelInfo info;
  int threads = 1;
  // The special tokens the tokenizer puts around a single text ([CLS] ... [SEP], <s> ... </s>),
  // which chunk mode repeats around every window; nullopt when its post-processor does something
  // else (chunk mode is then refused). Found at load by tokenizing a probe with and without them.
  struct SpecialFrame {
    std::vector<int32_t> prefix, suffix;
  };
  std::optional<SpecialFrame> frame;
  uint64_t cache_id = 0;  // unique per loaded model in this process: part of EmbeddingCache keys

  Impl(loader::ModelDirectory dir, tokenizer::Tokenizer tok, model::TransformerEncoder enc)
      : directory(std::move(dir)), tokenizer(std::move(tok)), encoder(std::move(enc)) {}

  // The token budget for one text: options.max_length or the model's max_seq_length, checked
  // against what the position embeddings allow.
  size_t max_length(const EncodeOptions& options) const;

  // Tokenizes text number `index` for the model (lowercasing first when the model's
  // sentence_bert_config.json says do_lower_case). Truncates to max_length or, when
  // truncate is false, throws an Error naming the input.
  tokenizer::Encoding tokenize(std::string_view text, size_t index, size_t max_length,
                               bool truncate) const;
  // The same for a pair of texts (a cross-encoder's input), cut longest_first.
  tokenizer::Encoding tokenize_pair(std::string_view a, std::string_view b, size_t index,
                                    size_t max_length, bool truncate) const;

  // sentence-transformers' prompt_length: the prompt's tokens (with the leading special token)
  // minus a trailing special token; 0 for an empty prompt.
  size_t prompt_length(const std::string& prompt, size_t max_length) const;

  // Runs the encoder over token sequences (longest first, batch_size at a time) and hands each
  // sequence's last_hidden_state [n_tokens, hidden] to sink(index, tokens, n_tokens).
  void run(const std::vector<tokenizer::Encoding>& encodings, const EncodeOptions& options,
           const std::function<void(size_t, const float*, size_t)>& sink) const;

  // Pools every sequence (leaving sequence i's first prompt_tokens[i] tokens out when the
  // model's Pooling has include_prompt false; empty: no prompts), then runs the Dense / Normalize
  // modules: [n, dimension].
  Matrix embed(const std::vector<tokenizer::Encoding>& encodings, const EncodeOptions& options,
               const std::vector<size_t>& prompt_tokens = {}) const;
  // embed(), answering the sequences options.cache holds from it and adding the others.
  Matrix embed_cached(std::vector<tokenizer::Encoding> encodings, const EncodeOptions& options,
                      const std::vector<size_t>& prompt_tokens) const;

  // Chunk mode (long_text.cpp): the windows of text number `index` (see Model::chunk), and
  // encode() of texts with long_text = Chunk.
  std::vector<TextChunk> chunk(std::string_view text, size_t index, const std::string& prompt,
                               const EncodeOptions& options) const;
  Matrix encode_chunked(const std::vector<std::string>& texts, const std::string& prompt,
                        const EncodeOptions& options) const;
};

// Finds the special tokens the tokenizer adds around one text (Model::Impl::frame).
std::optional<Model::Impl::SpecialFrame> find_special_frame(const tokenizer::Tokenizer& tok);

// What Model::load and CrossEncoder::load share: the directory read, the weights opened (the
// family's base-model prefixes stripped) and checked, the tokenizer and encoder built and `info`
// filled except load_seconds. `weights` stays open for binding more tensors (a classifier head).
// Runs single-threaded; see model.cpp for why.
struct LoadedModel {
  std::unique_ptr<Model::Impl> impl;
  loader::WeightStore weights;
};
LoadedModel load_model(const std::filesystem::path& dir, const LoadOptions& options);

// Physical cores of this machine (not hyper-threads); at least 1.
int physical_core_count();

}  // namespace sembed
