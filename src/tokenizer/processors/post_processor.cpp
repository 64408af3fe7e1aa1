// The helpers every post-processor shares (see post_processor.hpp).
#include "tokenizer/processors/post_processor.hpp"

namespace sembed::tokenizer {

void append_encoding(const Encoding& s, int32_t type_id, Encoding& out) {
  out.ids.insert(out.ids.end(), s.ids.begin(), s.ids.end());
  out.tokens.insert(out.tokens.end(), s.tokens.begin(), s.tokens.end());
  out.offsets.insert(out.offsets.end(), s.offsets.begin(), s.offsets.end());
  out.type_ids.insert(out.type_ids.end(), s.ids.size(), type_id);
}

void concatenate_encodings(const Encoding& a, const Encoding* b, Encoding& out) {
  out = Encoding{};
  append_encoding(a, 0, out);
  if (b != nullptr) append_encoding(*b, 1, out);
  out.attention_mask.assign(out.ids.size(), 1);
}

}  // namespace sembed::tokenizer
