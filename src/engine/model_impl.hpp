// Model::Impl: what a loaded model holds — its directory's configuration, its tokenizer and its
// encoder (which owns its prepacked copy of the weights, so the weight files are unmapped after
// load) — and the encode pipeline over them (encode_pipeline.cpp).
// Immutable after load; every method is const and safe to call from many threads.
#pragma once

#include <sembed/sembed.hpp>

#include "loader/model_directory.hpp"
#include "model/bert_encoder.hpp"
#include "tokenizer/tokenizer.hpp"

namespace sembed {

struct Model::Impl {
  loader::ModelDirectory directory;
  tokenizer::Tokenizer tokenizer;
  model::BertEncoder encoder;
  ModelInfo info;
  int threads = 1;

  Impl(loader::ModelDirectory dir, tokenizer::Tokenizer tok, model::BertEncoder enc)
      : directory(std::move(dir)),
        tokenizer(std::move(tok)),
        encoder(std::move(enc)) {}

  // The token budget for one text: options.max_length or the model's max_seq_length, checked
  // against what the position embeddings allow.
  size_t max_length(const EncodeOptions& options) const;

  // Tokenizes text number `index` for the model (lowercasing first when the model's
  // sentence_bert_config.json says do_lower_case). Truncates to max_length or, when
  // truncate is false, throws an Error naming the input.
  tokenizer::Encoding tokenize(std::string_view text, size_t index, size_t max_length,
                               bool truncate) const;

  // Runs the encoder over token sequences (longest first, batch_size at a time) and hands each
  // sequence's last_hidden_state [n_tokens, hidden] to sink(index, tokens, n_tokens).
  void run(const std::vector<tokenizer::Encoding>& encodings, const EncodeOptions& options,
           const std::function<void(size_t, const float*, size_t)>& sink) const;

  // Pools and (optionally) normalizes every sequence into a [n, hidden] matrix.
  Matrix embed(const std::vector<tokenizer::Encoding>& encodings,
               const EncodeOptions& options) const;
};

// Physical cores of this machine (not hyper-threads); at least 1.
int physical_core_count();

}  // namespace sembed
