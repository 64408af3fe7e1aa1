// The parts a Tokenizer is made of; shared by tokenizer.cpp (the pipeline) and
// tokenizer_loader.cpp (building the parts from files). Private to src/tokenizer.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "tokenizer/added_vocabulary.hpp"
#include "tokenizer/decoders/decoder.hpp"
#include "tokenizer/models/model.hpp"
#include "tokenizer/normalizers/normalizer.hpp"
#include "tokenizer/padding.hpp"
#include "tokenizer/pre_tokenizers/pre_tokenizer.hpp"
#include "tokenizer/processors/post_processor.hpp"
#include "tokenizer/tokenizer.hpp"
#include "tokenizer/truncation.hpp"

namespace sembed::tokenizer {

struct Tokenizer::Impl {
  std::unique_ptr<Normalizer> normalizer;       // null: text goes to the pre-tokenizer as is
  std::unique_ptr<PreTokenizer> pre_tokenizer;  // null: each normalized piece is one split
  std::unique_ptr<Model> model;                 // never null once loaded
  std::unique_ptr<PostProcessor> post;          // null: sequences are concatenated
  std::unique_ptr<Decoder> decoder;             // null: decode joins the tokens with ' '
  AddedVocabulary added;
  std::optional<TruncationParams> truncation;
  std::optional<PaddingParams> padding;
  std::optional<size_t> model_max_length;
  int32_t pad_id = 0;
  std::string pad_token = "[PAD]";

  // Tokens of one text, no special tokens added. Throws on invalid UTF-8.
  void encode_sequence(std::string_view text, Encoding& out) const;
  Encoding encode(std::string_view a, const std::string_view* b,
                  const EncodeOptions& options) const;
};

// Builders (tokenizer_loader.cpp).
std::unique_ptr<Tokenizer::Impl> load_tokenizer_json(std::string_view json,
                                                     const std::string& origin);
std::unique_ptr<Tokenizer::Impl> load_vocab_dir(const std::filesystem::path& dir);
// tokenizer_config.json's model_max_length in dir, when present and sensible.
std::optional<size_t> read_model_max_length(const std::filesystem::path& dir);

}  // namespace sembed::tokenizer
