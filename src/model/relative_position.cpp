// See relative_position.hpp.
#include "model/relative_position.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>

namespace sembed::model {

int relative_position_bucket(int relative_position, int num_buckets, int max_distance) {
  // Step for step as transformers: n = -rel; half the buckets per direction; exact below
  // max_exact; above, max_exact + trunc(log(n / max_exact) / log(max_distance / max_exact) *
  // (buckets - max_exact)) in float32, clamped to the last bucket.
  int ret = 0;
  int n = -relative_position;
  num_buckets /= 2;
  if (n < 0) ret += num_buckets;
  n = std::abs(n);
  const int max_exact = num_buckets / 2;
  if (n < max_exact) return ret + n;
  const float ratio = static_cast<float>(n) / static_cast<float>(max_exact);
  const float denom = static_cast<float>(std::log(static_cast<double>(max_distance) / max_exact));
  const float scaled = std::log(ratio) / denom * static_cast<float>(num_buckets - max_exact);
  const int large = std::min(max_exact + static_cast<int>(scaled), num_buckets - 1);
  return ret + large;
}

std::vector<float> expand_relative_bias(const float* bias, int buckets, int heads, int max_len,
                                        int max_distance) {
  (void)buckets;  // transformers always buckets into 32; the caller checked buckets >= 32
  const size_t span = 2 * static_cast<size_t>(max_len) - 1;
  std::vector<float> table(static_cast<size_t>(heads) * span);
  for (int r = -(max_len - 1); r <= max_len - 1; ++r) {
    const int b = relative_position_bucket(r, 32, max_distance);
    for (int h = 0; h < heads; ++h)
      table[static_cast<size_t>(h) * span + static_cast<size_t>(max_len - 1 + r)] =
          bias[static_cast<size_t>(b) * heads + h];
  }
  return table;
}

}  // namespace sembed::model
