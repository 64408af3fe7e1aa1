// The character classes of the hand-written pre-tokenizers (ByteLevel's GPT-2 split, Whitespace,
// Digits), per code point, exactly as the reference sees them: its Oniguruma and Rust std carry
// newer Unicode tables than any library here, so the table is generated from the reference
// itself (scripts/make_char_classes.py -> char_classes.inc) and tested code point by code point
// through the pre-tokenizers in tests/tokenizer.
// Does not: split text (the pre-tokenizers do).
// Thread safety: the lookup table is built once, thread-safely, on first use.
#pragma once

#include <cstdint>

namespace sembed::tokenizer::char_class {

enum : uint8_t {
  kLetter = 1 << 0,   // regex \p{L}
  kNumber = 1 << 1,   // regex \p{N}
  kSpace = 1 << 2,    // regex \s (White_Space)
  kNumeric = 1 << 3,  // Rust char::is_numeric
  kWsWord = 1 << 4,   // a word character to the Whitespace pre-tokenizer
  kWsSpace = 1 << 5,  // a space to the Whitespace pre-tokenizer
};

// Class bits of one code point (0 for values that are not scalar values).
uint8_t of(char32_t cp);

}  // namespace sembed::tokenizer::char_class
