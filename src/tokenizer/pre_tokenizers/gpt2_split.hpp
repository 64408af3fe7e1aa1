// The GPT-2 split pattern, hand-written:
//   's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
// Every character is covered by one alternative, so the matches tile the text; this returns
// them directly, with the reference's character classes (char_classes.hpp). Faster than the
// regex engine and differential-tested against it (tests/tokenizer, every code point class).
// Does not: prepend spaces or map bytes (byte_level.hpp).
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

namespace sembed::tokenizer {

// Appends the [begin, end) ranges of the matches in chars[0..n), shifted by `base`.
void gpt2_split(const char32_t* chars, uint32_t n, uint32_t base,
                std::vector<std::pair<uint32_t, uint32_t>>& out);

}  // namespace sembed::tokenizer
