// trim_byte_level_offsets (see byte_level_offsets.hpp).
#include "tokenizer/processors/byte_level_offsets.hpp"

#include <algorithm>
#include <string_view>
#include <vector>

#include "core/utf8.hpp"
#include "tokenizer/unicode_props.hpp"

namespace sembed::tokenizer {
namespace {

constexpr char32_t kByteLevelSpace = 0x120;  // 'Ġ', the byte-to-unicode image of ' '

bool is_space(char32_t c) {
  return c == kByteLevelSpace || (unicode::flags(c) & unicode::kWhitespace) != 0;
}

}  // namespace

void trim_byte_level_offsets(Encoding& encoding, bool add_prefix_space) {
  std::vector<char32_t> chars;
  for (size_t i = 0; i < encoding.tokens.size() && i < encoding.offsets.size(); ++i) {
    const std::string& token = encoding.tokens[i];
    chars.clear();
    utf8::decode(token, chars);
    size_t leading = 0, trailing = 0;
    while (leading < chars.size() && is_space(chars[leading])) ++leading;
    while (trailing < chars.size() && is_space(chars[chars.size() - 1 - trailing])) ++trailing;
    if (leading == 0 && trailing == 0) continue;
    auto& [start, end] = encoding.offsets[i];
    if (leading > 0) {
      // The reference's test: the first token, or one starting at 0 (pre-tokenized input).
      const bool is_first = i == 0 || start == 0;
      if (is_first && add_prefix_space && leading == 1) leading = 0;
      start = std::min(start + leading, end);
    }
    if (trailing > 0 && end >= trailing) end = std::max(end - trailing, start);
  }
}

}  // namespace sembed::tokenizer
