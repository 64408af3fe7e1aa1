// Padding: makes every encoding of a batch the same length — to the longest of the batch or to
// a fixed length, optionally rounded up to a multiple — with the pad id, pad type id, pad
// token, attention mask 0 and offsets (0, 0), on the right or the left.
// Runs after post-processing; never shortens an encoding (truncation.hpp does that).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "tokenizer/encoding.hpp"
#include "tokenizer/truncation.hpp"

namespace sembed::tokenizer {

enum class PaddingStrategy { None, Longest, MaxLength };

struct PaddingParams {
  PaddingStrategy strategy = PaddingStrategy::Longest;
  size_t max_length = 0;  // for MaxLength
  size_t pad_to_multiple_of = 0;  // 0: none
  int32_t pad_id = 0;
  int32_t pad_type_id = 0;
  std::string pad_token = "[PAD]";
  Direction direction = Direction::Right;
};

void pad(std::vector<Encoding>& batch, const PaddingParams& params);

// Right padding with pad type id 0 (the common case).
void pad(std::vector<Encoding>& batch, PaddingStrategy strategy, size_t max_length, int32_t pad_id,
         const std::string& pad_token);

}  // namespace sembed::tokenizer
