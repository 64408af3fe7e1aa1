// The invariants every fuzz target checks on an encoding: equal field lengths, offsets inside the
// text (start <= end <= the longer text's code points), ids inside the vocabulary. Aborts (a
// libFuzzer finding) when one is broken. encode_and_check() is the text mode the tokenizer
// targets share.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <sembed/error.hpp>
#include <string_view>

#include "core/utf8.hpp"
#include "tokenizer/encoding.hpp"
#include "tokenizer/tokenizer.hpp"

namespace sembed::fuzz {

inline void check_encoding(const tokenizer::Encoding& e, size_t len_a, size_t len_b,
                           size_t vocab_bound) {
  const size_t n = e.ids.size();
  if (e.type_ids.size() != n || e.tokens.size() != n || e.offsets.size() != n ||
      e.attention_mask.size() != n) {
    std::abort();
  }
  for (size_t i = 0; i < n; ++i) {
    const auto [s, t] = e.offsets[i];
    if (s > t || t > std::max(len_a, len_b)) std::abort();
    if (e.ids[i] < 0 || static_cast<size_t>(e.ids[i]) >= vocab_bound) std::abort();
  }
}

// `rest` encoded by tok as one text, or as a pair split at the first NUL (mode bit 5), truncated
// to (mode & 31) tokens when non-zero. Valid UTF-8 must encode, invalid UTF-8 must be refused.
inline void encode_and_check(const tokenizer::Tokenizer& tok, uint8_t mode, std::string_view rest) {
  tokenizer::EncodeOptions options;
  if (mode & 31) options.max_length = mode & 31;
  const bool pair = mode & 0x20;
  std::string_view a = rest, b;
  if (pair) {
    const size_t cut = rest.find('\0');
    if (cut != std::string_view::npos) {
      a = rest.substr(0, cut);
      b = rest.substr(cut + 1);
    }
  }
  const bool valid = !utf8::find_invalid(a) && !utf8::find_invalid(b);
  try {
    const tokenizer::Encoding e = pair ? tok.encode_pair(a, b, options) : tok.encode(a, options);
    if (!valid) std::abort();  // invalid UTF-8 must be refused
    check_encoding(e, utf8::count_code_points(a), utf8::count_code_points(b), tok.vocab_size());
  } catch (const Error&) {
    if (valid) std::abort();  // valid text must never fail
  }
}

}  // namespace sembed::fuzz
