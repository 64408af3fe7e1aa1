// MPNet's relative-position bias: T5-style buckets of the relative position j - i
// (bidirectional: 16 buckets each side, the first 8 exact, then logarithmic up to max_distance,
// the last bucket for everything beyond), each bucket a learned bias per head, the same for every
// layer. The bias depends only on j - i, so it is expanded once at load into a per-head table
// over every relative position a sequence can have, which ops/cpu/attention reads directly.
#pragma once

#include <cstddef>
#include <vector>

namespace sembed::model {

// transformers' MPNetEncoder.relative_position_bucket(relative_position, num_buckets,
// max_distance), float32 arithmetic as torch does it. relative_position = key - query.
int relative_position_bucket(int relative_position, int num_buckets = 32, int max_distance = 128);

// table: [heads, 2 * max_len - 1]; entry (h, max_len - 1 + r) = bias[bucket(r) * heads + h] for
// r in [-(max_len - 1), max_len - 1]. bias: the [buckets, heads] embedding weight.
std::vector<float> expand_relative_bias(const float* bias, int buckets, int heads, int max_len,
                                        int max_distance);

}  // namespace sembed::model
