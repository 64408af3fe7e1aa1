// Tokenizer: a Hugging Face–exact BERT WordPiece tokenizer built from tokenizer.json or from
// vocab.txt + tokenizer_config.json + special_tokens_map.json. The pipeline, one stage per
// file: added tokens (added_vocabulary) -> BertNormalizer (normalizer) -> BertPreTokenizer
// (pre_tokenizer) -> WordPiece (wordpiece) -> truncation -> post-processing -> padding.
// Thread safety: immutable after construction; encode() may be called from many threads.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tokenizer/encoding.hpp"
#include "tokenizer/padding.hpp"
#include "tokenizer/truncation.hpp"

namespace sembed::tokenizer {

struct EncodeOptions {
  bool add_special_tokens = true;
  // Truncate to this many tokens including special tokens (longest_first for pairs, or the
  // strategy/direction of tokenizer.json's truncation block); nullopt: no truncation.
  std::optional<size_t> max_length;
};

class Tokenizer {
 public:
  // Prefers tokenizer.json; else vocab.txt + tokenizer_config.json (+ special_tokens_map.json,
  // added_tokens.json). Throws sembed::Error naming the file and field at fault, or the
  // unsupported component and its type.
  static Tokenizer from_model_dir(const std::filesystem::path& dir);
  static Tokenizer from_tokenizer_json(const std::filesystem::path& file);
  static Tokenizer from_vocab_dir(const std::filesystem::path& dir);
  // From the text of a tokenizer.json (`origin` names it in errors).
  static Tokenizer from_json_text(std::string_view json, const std::string& origin);

  // Throws sembed::Error on invalid UTF-8 (naming the byte offset).
  Encoding encode(std::string_view text, const EncodeOptions& options = {}) const;
  Encoding encode_pair(std::string_view a, std::string_view b,
                       const EncodeOptions& options = {}) const;

  // Text of token ids, as the reference's Tokenizer.decode: each id's token (added tokens
  // first, then the model's vocabulary; unknown ids are skipped), special tokens left out when
  // skip_special_tokens, then tokenizer.json's decoder (tokens joined with ' ' without one).
  std::string decode(const std::vector<int32_t>& ids, bool skip_special_tokens = true) const;

  int32_t pad_id() const;
  const std::string& pad_token() const;
  // One past the largest token id (model vocabulary and added tokens).
  size_t vocab_size() const;
  // The truncation / padding blocks of tokenizer.json, when present.
  const std::optional<TruncationParams>& file_truncation() const;
  const std::optional<PaddingParams>& file_padding() const;
  // tokenizer_config.json's model_max_length when present and sensible.
  std::optional<size_t> model_max_length() const;

  Tokenizer(Tokenizer&&) noexcept;
  Tokenizer& operator=(Tokenizer&&) noexcept;
  ~Tokenizer();

  struct Impl;

 private:
  explicit Tokenizer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace sembed::tokenizer
