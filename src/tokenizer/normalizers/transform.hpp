// TransformWriter: writes a rewritten text with the origins Hugging Face tokenizers'
// NormalizedString::transform gives it. The rewrite is a list of (code point, change):
//   change 0   the code point replaces the next input code point (and takes its origin);
//   change -N  it replaces the next one and N more input code points are dropped after it;
//   change +1  it is inserted: it takes the origin of the input code point consumed last.
// `initial_removed` input code points are dropped before the first output code point. These
// rules reproduce the reference's offsets, including its quirks (an input code point dropped
// without a negative change shifts the origins of everything after it, as in the reference).
// Does not: decide what to rewrite (each normalizer does).
#pragma once

#include <cstddef>
#include <cstdint>

#include "tokenizer/normalized_text.hpp"

namespace sembed::tokenizer {

class TransformWriter {
 public:
  TransformWriter(const uint32_t* origin, size_t n, size_t initial_removed, NormalizedText& out)
      : origin_(origin), n_(n), consumed_(initial_removed), out_(out) {}

  void emit(char32_t c, long change) {
    uint32_t o;
    if (change > 0) {
      // The reference aligns an insertion before anything was consumed to (0, 0): the start of
      // the piece, which is the first input code point's origin here.
      o = consumed_ >= 1 ? at(consumed_ - 1) : at(0);
    } else {
      o = at(consumed_);
      consumed_ += 1 + static_cast<size_t>(-change);
    }
    out_.push(c, o);
  }

 private:
  uint32_t at(size_t k) const { return n_ == 0 ? 0 : origin_[k < n_ ? k : n_ - 1]; }
  const uint32_t* origin_;
  size_t n_;
  size_t consumed_;
  NormalizedText& out_;
};

}  // namespace sembed::tokenizer
