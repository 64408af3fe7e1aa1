// gpt2_split (see gpt2_split.hpp). Alternatives are tried in the pattern's order at each
// position, which always matches at that position (leftmost-first, as the regex engine does).
#include "tokenizer/pre_tokenizers/gpt2_split.hpp"

#include "tokenizer/pre_tokenizers/char_classes.hpp"

namespace sembed::tokenizer {
namespace {

enum Kind : uint8_t { kL, kN, kS, kO };  // letter, number, \s, anything else

inline Kind kind(char32_t c) {
  if (c < 128) {
    if ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') return kL;
    if (c >= '0' && c <= '9') return kN;
    if (c == ' ' || (c >= 0x09 && c <= 0x0D)) return kS;
    return kO;
  }
  const uint8_t b = char_class::of(c);
  if (b & char_class::kLetter) return kL;
  if (b & char_class::kNumber) return kN;
  if (b & char_class::kSpace) return kS;
  return kO;
}

// Length of the contraction at chars[i] ('s 't 're 've 'm 'll 'd), 0 if none.
inline uint32_t contraction(const char32_t* c, uint32_t i, uint32_t n) {
  if (c[i] != '\'' || i + 1 >= n) return 0;
  const char32_t a = c[i + 1];
  if (a == 's' || a == 't' || a == 'm' || a == 'd') return 2;
  if (i + 2 < n) {
    const char32_t b = c[i + 2];
    if ((a == 'r' && b == 'e') || (a == 'v' && b == 'e') || (a == 'l' && b == 'l')) return 3;
  }
  return 0;
}

}  // namespace

void gpt2_split(const char32_t* chars, uint32_t n, uint32_t base,
                std::vector<std::pair<uint32_t, uint32_t>>& out) {
  uint32_t i = 0;
  while (i < n) {
    const uint32_t start = i;
    if (const uint32_t len = contraction(chars, i, n)) {
      out.emplace_back(base + start, base + start + len);
      i += len;
      continue;
    }
    // ' ?X+' for X in letters, numbers, others: an optional ' ' then a run of one class.
    uint32_t j = i;
    if (chars[j] == ' ' && j + 1 < n) ++j;
    const Kind k = kind(chars[j]);
    if (k != kS) {
      uint32_t e = j + 1;
      while (e < n && kind(chars[e]) == k) ++e;
      out.emplace_back(base + start, base + e);
      i = e;
      continue;
    }
    // Here chars[i] is \s. '\s+(?!\S)': the whitespace run, less its last character when a
    // non-space follows; else '\s+' takes the single character.
    uint32_t e = i + 1;
    while (e < n && kind(chars[e]) == kS) ++e;
    if (e < n && e - i > 1) --e;
    out.emplace_back(base + start, base + e);
    i = e;
  }
}

}  // namespace sembed::tokenizer
