// AddedVocabulary: special and added tokens that are found in the text and kept whole, before
// the model sees it. Like the reference, tokens with normalized=false are matched on the
// original text (so "[SEP]" matches but "[sep]" does not); tokens with normalized=true are
// matched on each normalized piece against their own normalized content. Matching is
// leftmost-longest and non-overlapping; single_word, lstrip and rstrip are honoured.
// Does not: normalize (normalizers/) or assign ids to ordinary words (models/).
// Thread safety: immutable after construction.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "tokenizer/normalizers/normalizer.hpp"

namespace sembed::tokenizer {

struct AddedToken {
  std::string content;
  int32_t id = -1;
  bool special = false;
  bool normalized = false;
  bool lstrip = false;
  bool rstrip = false;
  bool single_word = false;
};

struct AddedMatch {
  size_t begin, end;  // [begin, end) in the searched code points
  int32_t id;
};

class AddedVocabulary {
 public:
  AddedVocabulary() = default;
  // `normalizer` (may be null) normalizes the content of normalized=true tokens.
  AddedVocabulary(std::vector<AddedToken> tokens, const Normalizer* normalizer);

  // Matches of normalized=false tokens in text[0..n).
  void find_raw(const char32_t* text, size_t n, std::vector<AddedMatch>& out) const {
    find(raw_, text, n, out);
  }
  // Matches of normalized=true tokens in normalized text[0..n).
  void find_normalized(const char32_t* text, size_t n, std::vector<AddedMatch>& out) const {
    find(normalized_, text, n, out);
  }
  bool has_raw() const { return !raw_.patterns.empty(); }
  bool has_normalized() const { return !normalized_.patterns.empty(); }

  const std::vector<AddedToken>& tokens() const { return tokens_; }
  // The added token with this content, or null.
  const AddedToken* find_content(const std::string& content) const;

 private:
  struct Pattern {
    std::u32string chars;
    size_t token;  // index into tokens_
  };
  struct PatternSet {
    std::vector<Pattern> patterns;     // sorted by first code point, then longest first
    uint64_t ascii_first[2] = {0, 0};  // bitmap of ASCII first code points
    bool any_non_ascii_first = false;
  };
  void build(PatternSet& set, std::vector<Pattern> patterns);
  void find(const PatternSet& set, const char32_t* text, size_t n,
            std::vector<AddedMatch>& out) const;

  std::vector<AddedToken> tokens_;
  PatternSet raw_;
  PatternSet normalized_;
};

}  // namespace sembed::tokenizer
