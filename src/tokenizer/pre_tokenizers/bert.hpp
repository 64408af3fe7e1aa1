// BertPreTokenizer: splits normalized text into words — whitespace (Rust char::is_whitespace)
// separates words and is dropped; each punctuation character (ASCII punctuation or Unicode
// P*, as the reference's tables define them) becomes a word of its own.
// Does not: normalize (normalizers/) or look words up (models/).
#pragma once

#include <cstddef>
#include <vector>

#include "tokenizer/pre_tokenizers/pre_tokenizer.hpp"

namespace sembed::tokenizer {

struct WordSpan {
  size_t begin, end;  // [begin, end) in the normalized code points
};

// Appends the words of chars[0..n) to `words`.
void bert_pre_tokenize(const char32_t* chars, size_t n, std::vector<WordSpan>& words);

class BertPreTokenizer final : public PreTokenizer {
 public:
  void pre_tokenize(PreTokenized& pt) const override;
};

}  // namespace sembed::tokenizer
