// Truncation: cuts the sequences of one input so that, with the special tokens the
// post-processor will add, the result has at most max_length tokens — the reference's
// algorithm: longest_first shares the budget between a pair's sequences (the shorter keeps
// what it can, the longer gets the rest, both halves when neither fits), only_first and
// only_second cut one sequence, direction right (cut the end) or left (cut the start).
// Runs before post-processing. Quirks kept from tokenizers 0.23.3 (measured): when max_length
// is smaller than the number of special tokens nothing is truncated; when it is equal, the
// sequences become empty.
// Does not: add special tokens (post_processor.hpp) or pad (padding.hpp).
#pragma once

#include <cstddef>

#include "tokenizer/encoding.hpp"

namespace sembed::tokenizer {

enum class TruncationStrategy { LongestFirst, OnlyFirst, OnlySecond };
enum class Direction { Right, Left };

struct TruncationParams {
  size_t max_length = 512;
  TruncationStrategy strategy = TruncationStrategy::LongestFirst;
  Direction direction = Direction::Right;
};

// Truncates a (and b when non-null), which hold no special tokens yet. `added` is the number of
// special tokens the post-processor will add. Throws sembed::Error where the reference errors
// (only_first / only_second when the chosen sequence is too short).
void truncate(Encoding& a, Encoding* b, const TruncationParams& params, size_t added);

}  // namespace sembed::tokenizer
