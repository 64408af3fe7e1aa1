// BertNormalizer: the normalization stage of Hugging Face tokenizers' BERT pipeline, with every
// option honoured — clean_text (drop NUL, U+FFFD and "other" characters, map whitespace to
// ' '), handle_chinese_chars (pad CJK ideographs with spaces), strip_accents (NFD, then drop
// nonspacing marks; unset means: follow lowercase), lowercase (full Unicode lowercase).
// Works on code points and records, for every output code point, the index of the input code
// point it came from, which is how offsets into the original text survive normalization.
// Does not: split text (pre_tokenizer.hpp) or match added tokens (added_vocabulary.hpp).
// Thread safety: immutable after construction.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

namespace sembed::tokenizer {

struct NormalizerOptions {
  bool clean_text = true;
  bool handle_chinese_chars = true;
  std::optional<bool> strip_accents;  // nullopt: same as lowercase
  bool lowercase = true;
};

// Output of normalization: code points plus, for each, the input index it came from.
struct NormalizedText {
  std::vector<char32_t> chars;
  std::vector<uint32_t> origin;
  void clear() {
    chars.clear();
    origin.clear();
  }
};

class BertNormalizer {
 public:
  explicit BertNormalizer(const NormalizerOptions& options);

  // Normalizes text[0..n) and appends to `out`; origins are `first_index + i`.
  // `scratch` is reused working memory (avoids allocating per call).
  void normalize(const char32_t* text, size_t n, uint32_t first_index, NormalizedText& out,
                 NormalizedText& scratch) const;

  const NormalizerOptions& options() const { return options_; }

 private:
  NormalizerOptions options_;
  bool strip_accents_;
};

}  // namespace sembed::tokenizer
