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
  // special tokens added by post-processing have (0, 0).
  std::vector<std::pair<size_t, size_t>> offsets;
  std::vector<int32_t> attention_mask;  // 1 for real tokens, 0 for padding
  size_t size() const { return ids.size(); }
};

}  // namespace sembed::tokenizer
