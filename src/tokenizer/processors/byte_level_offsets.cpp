// trim_byte_level_offsets (see byte_level_offsets.hpp).
#include "tokenizer/processors/byte_level_offsets.hpp"

#include <algorithm>
#include <string>

#include "tokenizer/unicode_props.hpp"

namespace sembed::tokenizer {
namespace {

constexpr char32_t kByteLevelSpace = 0x120;  // 'Ġ', the byte-to-unicode image of ' '

bool is_space(char32_t c) {
  return c == kByteLevelSpace || (unicode::flags(c) & unicode::kWhitespace) != 0;
}

// The code point starting at s[i] (valid UTF-8) and its length.
char32_t decode_at(const std::string& s, size_t i, size_t& len) {
  const unsigned char c = static_cast<unsigned char>(s[i]);
  if (c < 0x80) {
    len = 1;
    return c;
  }
  len = c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
  char32_t cp = c & (0x3F >> (len - 1));
  for (size_t k = 1; k < len && i + k < s.size(); ++k) {
    cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
  }
  return cp;
}

size_t leading_spaces(const std::string& s) {
  size_t n = 0, len = 0;
  for (size_t i = 0; i < s.size(); i += len, ++n) {
    if (!is_space(decode_at(s, i, len))) break;
  }
  return n;
}

size_t trailing_spaces(const std::string& s) {
  size_t n = 0;
  size_t end = s.size();
  while (end > 0) {
    size_t start = end - 1;
    while (start > 0 && (static_cast<unsigned char>(s[start]) & 0xC0) == 0x80) --start;
    size_t len = 0;
    if (!is_space(decode_at(s, start, len))) break;
    ++n;
    end = start;
  }
  return n;
}

}  // namespace

void trim_byte_level_offsets(Encoding& encoding, size_t begin, size_t end, bool add_prefix_space) {
  for (size_t i = begin; i < end; ++i) {
    const std::string& token = encoding.tokens[i];
    size_t leading = leading_spaces(token);
    const size_t trailing = trailing_spaces(token);
    if (leading == 0 && trailing == 0) continue;
    auto& [start, stop] = encoding.offsets[i];
    if (leading > 0) {
      // The reference's test: the sequence's first token, or one starting at 0.
      const bool is_first = i == begin || start == 0;
      if (is_first && add_prefix_space && leading == 1) leading = 0;
      start = std::min(start + leading, stop);
    }
    if (trailing > 0 && stop >= trailing) stop = std::max(stop - trailing, start);
  }
}

}  // namespace sembed::tokenizer
