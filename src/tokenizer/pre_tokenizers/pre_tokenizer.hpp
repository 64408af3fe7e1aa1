// The pre-tokenizer stage interface: refines the splits of a PreTokenized text (see
// normalized_text.hpp) and may rewrite the text itself (Metaspace, ByteLevel), keeping each code
// point's origin. Splits that hold an added token (added_id >= 0) pass through untouched, in
// order. Empty splits are dropped, as the reference drops them.
// Stages are dispatched once per input, never per character.
// Thread safety: implementations are immutable after construction.
#pragma once

#include "tokenizer/normalized_text.hpp"

namespace sembed::tokenizer {

class PreTokenizer {
 public:
  virtual ~PreTokenizer() = default;
  virtual void pre_tokenize(PreTokenized& pt) const = 0;
};

}  // namespace sembed::tokenizer
