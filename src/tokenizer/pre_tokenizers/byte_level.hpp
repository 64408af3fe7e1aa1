// ByteLevel pre-tokenizer (GPT-2, RoBERTa, ModernBERT): optionally puts a ' ' in front of each
// piece that does not start with one (add_prefix_space), optionally splits it with the GPT-2
// pattern  's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
// (use_regex; hand-written here, see gpt2_split), then rewrites every UTF-8 byte as one
// printable character of GPT-2's byte-to-unicode table; each new character keeps the origin of
// the character its byte came from. trim_offsets is a post-processing option
// (processors/byte_level_offsets.hpp). byte_to_unicode / unicode_to_byte serve the decoder.
// Does not: look tokens up (models).
// Thread safety: immutable after construction.
#pragma once

#include <array>
#include <cstdint>

#include "tokenizer/pre_tokenizers/pre_tokenizer.hpp"

namespace sembed::tokenizer {

// GPT-2's table: the printable bytes map to themselves, the other 68 to U+0100.. in order.
const std::array<char32_t, 256>& byte_to_unicode();
// The inverse: -1 for characters outside the table.
int unicode_to_byte(char32_t c);

class ByteLevelPreTokenizer : public PreTokenizer {
 public:
  ByteLevelPreTokenizer(bool add_prefix_space, bool use_regex)
      : add_prefix_space_(add_prefix_space), use_regex_(use_regex) {}
  void pre_tokenize(PreTokenized& pt) const override;

 private:
  bool add_prefix_space_, use_regex_;
};

}  // namespace sembed::tokenizer
