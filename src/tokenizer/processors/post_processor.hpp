// The post-processor stage interface: combines the encodings of one text (or a pair) into the
// final encoding, adding special tokens and setting type ids; and says how many special tokens
// it will add, which truncation needs beforehand.
// Does not: truncate (truncation.hpp) or pad (padding.hpp).
// Thread safety: implementations are immutable after construction.
#pragma once

#include <cstddef>

#include "tokenizer/encoding.hpp"

namespace sembed::tokenizer {

class PostProcessor {
 public:
  virtual ~PostProcessor() = default;
  // Special tokens added to a single text (pair=false) or a pair when add_special_tokens is set.
  virtual size_t added_tokens(bool pair) const = 0;
  // Combines a (and b when non-null) into out (cleared first).
  virtual void process(const Encoding& a, const Encoding* b, bool add_special_tokens,
                       Encoding& out) const = 0;
  // For a stage inside a Sequence: true for a stage that only edits each sequence on its own and
  // merges nothing (ByteLevel's offset trimming), which edit_sequence then does. Stages that add
  // special tokens and merge the sequences say false.
  virtual bool edits_each_sequence() const { return false; }
  virtual void edit_sequence(Encoding& sequence) const { (void)sequence; }
};

// What the reference does without a post-processor: a, then b, with type ids 0 and 1.
void concatenate_encodings(const Encoding& a, const Encoding* b, Encoding& out);
// Appends s to out with this type id.
void append_encoding(const Encoding& s, int32_t type_id, Encoding& out);

}  // namespace sembed::tokenizer
