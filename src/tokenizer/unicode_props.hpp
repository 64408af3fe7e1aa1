// The Unicode facts the BERT tokenizer stages need, as Hugging Face tokenizers 0.23.3 sees them.
// Facts come from utf8proc (categories, canonical decomposition and combining classes, simple
// lowercase). Where the Rust crates behind tokenizers disagree with utf8proc (older or newer
// Unicode tables, full lowercase mappings), a generated exception table
// (unicode_overrides.inc, made by scripts/tokenizer_unicode_overrides.py from a per-code-point
// comparison with the reference) corrects the answer. tests/tokenizer checks every code point.
// Does not: normalize strings (see normalizer.hpp) or split them (see pre_tokenizer.hpp).
// Thread safety: all functions are pure; the lookup table is built once, thread-safely.
#pragma once

#include <cstdint>
#include <vector>

namespace sembed::tokenizer::unicode {

enum Flag : uint16_t {
  kWhitespace = 1 << 0,    // Rust char::is_whitespace (White_Space); \t \n \r are in it
  kOther = 1 << 1,         // unicode_categories is_other (Cc Cf Cn Co), as BertNormalizer uses it
  kPunctuation = 1 << 2,   // ASCII punctuation or unicode_categories is_punctuation (P*)
  kChinese = 1 << 3,       // the CJK ideograph blocks BERT pads with spaces
  kNonspacingMark = 1 << 4,  // unicode_categories is_mark_nonspacing (Mn)
  kDecomposes = 1 << 5,    // canonical decomposition (NFD) differs from the code point
  kLowerChanges = 1 << 6,  // Rust char::to_lowercase differs from the code point
  kCombining = 1 << 7,     // non-zero canonical combining class in the reference's NFD tables
  kWord = 1 << 8,          // regex \w (the added-token single_word check)
};

// Flags of one code point (any value; non-scalar values get 0).
uint16_t flags(char32_t cp);

// Appends the canonical decomposition of `cp` (itself when it has none).
void append_nfd(char32_t cp, std::vector<char32_t>& out);

// Canonical combining class (for canonical reordering after decomposition); 0 for marks the
// reference's (older) normalization tables do not know.
int combining_class(char32_t cp);

// Appends the full lowercase mapping of `cp` (Rust char::to_lowercase; itself when none).
void append_lowercase(char32_t cp, std::vector<char32_t>& out);

// The same facts from utf8proc alone, before the exception table; for the table generator.
uint16_t base_flags(char32_t cp);
void base_append_nfd(char32_t cp, std::vector<char32_t>& out);
void base_append_lowercase(char32_t cp, std::vector<char32_t>& out);

}  // namespace sembed::tokenizer::unicode
