// The invariants every fuzz target checks on an encoding: equal field lengths, offsets inside the
// text (start <= end <= the code points of the token's own text when type ids tell the texts
// apart, as BERT's pair template does; else of the longer text), ids inside the vocabulary. Aborts (a
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
                           size_t vocab_bound, bool type_id_names_text) {
  const size_t n = e.ids.size();
  if (e.type_ids.size() != n || e.tokens.size() != n || e.offsets.size() != n ||
      e.attention_mask.size() != n) {
    std::abort();
  }
  for (size_t i = 0; i < n; ++i) {
    const auto [s, t] = e.offsets[i];
    const size_t own_length = !type_id_names_text ? std::max(len_a, len_b)
                              : e.type_ids[i] == 0 ? len_a
                                                   : len_b;
    if (type_id_names_text && (e.type_ids[i] < 0 || e.type_ids[i] > 1)) std::abort();
    if (s > t || t > own_length) std::abort();
    if (e.ids[i] < 0 || static_cast<size_t>(e.ids[i]) >= vocab_bound) std::abort();
  }
}

// `rest` encoded by tok as one text, or as a pair split at the first NUL (mode bit 5), truncated
// to (mode & 31) tokens when non-zero. Valid UTF-8 must encode, invalid UTF-8 must be refused.
inline void encode_and_check(const tokenizer::Tokenizer& tok, uint8_t mode, std::string_view rest,
                             bool type_id_names_text = false) {
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
    check_encoding(e, utf8::count_code_points(a), utf8::count_code_points(b), tok.vocab_size(),
                   type_id_names_text);
  } catch (const Error&) {
    if (valid) std::abort();  // valid text must never fail
  }
}

}  // namespace sembed::fuzz
