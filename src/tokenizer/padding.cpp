// Padding (see padding.hpp).
#include "tokenizer/padding.hpp"

#include <algorithm>

namespace sembed::tokenizer {

void pad(std::vector<Encoding>& batch, const PaddingParams& params) {
  if (params.strategy == PaddingStrategy::None || batch.empty()) return;
  size_t target = params.max_length;
  if (params.strategy == PaddingStrategy::Longest) {
    target = 0;
    for (const Encoding& e : batch) target = std::max(target, e.size());
  }
  if (params.pad_to_multiple_of > 0 && target % params.pad_to_multiple_of != 0) {
    target += params.pad_to_multiple_of - target % params.pad_to_multiple_of;
  }
  for (Encoding& e : batch) {
    if (e.attention_mask.size() != e.size()) e.attention_mask.assign(e.size(), 1);
    if (e.size() >= target) continue;
    const size_t n = target - e.size();
    if (params.direction == Direction::Right) {
      e.ids.insert(e.ids.end(), n, params.pad_id);
      e.type_ids.insert(e.type_ids.end(), n, params.pad_type_id);
      e.tokens.insert(e.tokens.end(), n, params.pad_token);
      e.offsets.insert(e.offsets.end(), n, {0, 0});
      e.attention_mask.insert(e.attention_mask.end(), n, 0);
    } else {
      e.ids.insert(e.ids.begin(), n, params.pad_id);
      e.type_ids.insert(e.type_ids.begin(), n, params.pad_type_id);
      e.tokens.insert(e.tokens.begin(), n, params.pad_token);
      e.offsets.insert(e.offsets.begin(), n, {0, 0});
      e.attention_mask.insert(e.attention_mask.begin(), n, 0);
    }
  }
}

void pad(std::vector<Encoding>& batch, PaddingStrategy strategy, size_t max_length, int32_t pad_id,
         const std::string& pad_token) {
  PaddingParams p;
  p.strategy = strategy;
  p.max_length = max_length;
  p.pad_id = pad_id;
  p.pad_token = pad_token;
  pad(batch, p);
}

}  // namespace sembed::tokenizer
