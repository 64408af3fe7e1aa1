// PrecompiledCharsmap: SentencePiece's precompiled_charsmap — a little-endian u32 trie size, a
// Darts double-array trie over UTF-8 byte strings, then a blob of NUL-terminated replacement
// strings that the trie's values point into — read the way Hugging Face's spm_precompiled
// reads it. transform() answers like its Precompiled::transform: the replacement of the
// SHORTEST key that is a prefix of the chunk (not necessarily the whole chunk), or nothing.
// The normalizer built on it is precompiled.cpp.
// Every trie walk is bounds-checked: a malformed map is a sembed::Error, never a bad read.
// Thread safety: immutable after construction.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sembed::tokenizer {

class PrecompiledCharsmap {
 public:
  // `bytes`: the decoded map. Throws sembed::Error (message without file context) when the map
  // cannot be parsed: too short, trie larger than the data, empty trie, replacements not UTF-8.
  explicit PrecompiledCharsmap(std::string_view bytes);

  // The replacement for the shortest key prefixing chunk (searching stops at a NUL byte).
  // Throws sembed::Error when the walk or the value leaves the map.
  std::optional<std::string_view> transform(std::string_view chunk) const;

  // transform() of each single ASCII code point, precomputed (nullopt: none).
  const std::optional<std::string_view>& ascii(unsigned char c) const { return ascii_[c]; }

 private:
  std::vector<uint32_t> array_;
  std::string normalized_;
  std::optional<std::string_view> ascii_[128];
};

// Strict standard base64 (padding required, no stray characters), as the reference decodes
// precompiled_charsmap; nullopt when the text is not valid base64.
std::optional<std::string> decode_base64(std::string_view text);

}  // namespace sembed::tokenizer
