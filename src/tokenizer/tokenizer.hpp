// Tokenizer: a Hugging Face–exact BERT WordPiece tokenizer built from tokenizer.json or from
// vocab.txt + tokenizer_config.json + special_tokens_map.json.
// Thread safety: immutable after construction; encode() may be called from many threads.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string_view>

#include "tokenizer/encoding.hpp"

namespace sembed::tokenizer {

enum class PaddingStrategy { None, Longest, MaxLength };

struct EncodeOptions {
  bool add_special_tokens = true;
  // Truncate to this many tokens including special tokens (longest_first for pairs); nullopt: none.
  std::optional<size_t> max_length;
};

class Tokenizer {
 public:
  // Prefers tokenizer.json; else vocab.txt + tokenizer_config.json (+ special_tokens_map.json).
  // do_lower_case_override: sentence_bert_config.json's do_lower_case, when given.
  static Tokenizer from_model_dir(const std::filesystem::path& dir);

  // Throws sembed::Error on invalid UTF-8 (naming the byte offset).
  Encoding encode(std::string_view text, const EncodeOptions& options = {}) const;
  Encoding encode_pair(std::string_view a, std::string_view b,
                       const EncodeOptions& options = {}) const;

  int32_t pad_id() const;
  size_t vocab_size() const;

  Tokenizer(Tokenizer&&) noexcept;
  Tokenizer& operator=(Tokenizer&&) noexcept;
  ~Tokenizer();

 private:
  struct Impl;
  explicit Tokenizer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Pads every encoding to the same length (Longest) or to max_length (MaxLength) with pad_id,
// type id 0, mask 0, offsets (0,0), token pad_token.
void pad(std::vector<Encoding>& batch, PaddingStrategy strategy, size_t max_length, int32_t pad_id,
         const std::string& pad_token);

}  // namespace sembed::tokenizer
