// The parts a Tokenizer is made of; shared by tokenizer.cpp (the pipeline) and
// tokenizer_loader.cpp (building the parts from files). Private to src/tokenizer.
#pragma once

#include <optional>
#include <string>

#include "tokenizer/added_vocabulary.hpp"
#include "tokenizer/normalizer.hpp"
#include "tokenizer/padding.hpp"
#include "tokenizer/post_processor.hpp"
#include "tokenizer/tokenizer.hpp"
#include "tokenizer/truncation.hpp"
#include "tokenizer/wordpiece.hpp"

namespace sembed::tokenizer {

struct Tokenizer::Impl {
  std::optional<BertNormalizer> normalizer;
  bool bert_pre_tokenizer = true;  // false: the whole normalized piece is one word
  std::optional<WordPiece> model;
  AddedVocabulary added;
  PostProcessor post;
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
