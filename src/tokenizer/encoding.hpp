// Encoding: the output of the tokenizer for one text (or pair), as Hugging Face tokenizers
// returns it: ids, type ids, tokens, offsets, attention mask.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace sembed::tokenizer {

struct Encoding {
  std::vector<int32_t> ids;
  std::vector<int32_t> type_ids;
  std::vector<std::string> tokens;
  // [start, end) in Unicode code points of the original text (as HF's Python API reports);
  // special tokens added by post-processing have (0, 0). For a pair, offsets of the second
  // sequence's tokens are into the second text.
  std::vector<std::pair<size_t, size_t>> offsets;
  std::vector<int32_t> attention_mask;  // 1 for real tokens, 0 for padding
  // Tokens (special tokens included) this encoding would have had without truncation;
  // equal to size() before padding when nothing was cut.
  size_t untruncated_length = 0;
  size_t size() const { return ids.size(); }
  bool truncated() const { return untruncated_length > count_unpadded(); }

 private:
  size_t count_unpadded() const {
    size_t n = 0;
    for (int32_t m : attention_mask) n += m != 0;
    return attention_mask.empty() ? ids.size() : n;
  }
};

}  // namespace sembed::tokenizer
