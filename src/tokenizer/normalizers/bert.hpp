// BertNormalizer: the normalization stage of Hugging Face tokenizers' BERT pipeline, with every
// option honoured — clean_text (drop NUL, U+FFFD and "other" characters, map whitespace to
// ' '), handle_chinese_chars (pad CJK ideographs with spaces), strip_accents (NFD, then drop
// nonspacing marks; unset means: follow lowercase), lowercase (full Unicode lowercase).
// Works on code points and records, for every output code point, the index of the input code
// point it came from, which is how offsets into the original text survive normalization.
// Does not: split text (pre_tokenizers/) or match added tokens (added_vocabulary.hpp).
// Thread safety: immutable after construction.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "tokenizer/normalizers/normalizer.hpp"
#include "tokenizer/stage_json.hpp"

namespace sembed::tokenizer {

struct NormalizerOptions {
  bool clean_text = true;
  bool handle_chinese_chars = true;
  std::optional<bool> strip_accents;  // nullopt: same as lowercase
  bool lowercase = true;
};

class BertNormalizer final : public Normalizer {
 public:
  explicit BertNormalizer(const NormalizerOptions& options);

  void normalize(const char32_t* text, const uint32_t* origin, size_t n,
                 NormalizedText& out) const override;

  const NormalizerOptions& options() const { return options_; }

 private:
  NormalizerOptions options_;
  bool strip_accents_;
};

// tokenizer.json's BertNormalizer block.
NormalizerOptions read_bert_normalizer_options(const json& j, const StageContext& ctx);

}  // namespace sembed::tokenizer
