// The normalizer stage interface. A normalizer rewrites code points and says, for each code
// point it writes, which original code point it stands for (see normalized_text.hpp); the
// reference's rules for that (tokenizers' NormalizedString::transform) are in transform.hpp.
// Stages are dispatched once per text piece, never per character.
// Does not: split text (pre_tokenizers/) or match added tokens (added_vocabulary.hpp).
// Thread safety: implementations are immutable after construction; normalize() may be called
// from many threads (working memory is the caller's or thread_local).
#pragma once

#include <cstddef>
#include <cstdint>

#include "tokenizer/normalized_text.hpp"

namespace sembed::tokenizer {

class Normalizer {
 public:
  virtual ~Normalizer() = default;
  // Normalizes chars[0..n), whose original indices are origin[0..n), and appends the result to
  // `out` (which does not alias the input).
  virtual void normalize(const char32_t* chars, const uint32_t* origin, size_t n,
                         NormalizedText& out) const = 0;
};

}  // namespace sembed::tokenizer
