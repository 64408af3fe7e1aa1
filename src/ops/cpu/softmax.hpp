// Softmax over one row of floats, in place: x[i] = exp(x[i] - max) / sum_j exp(x[j] - max).
// Used by attention; exposed for its unit test.
#pragma once

#include <cstddef>

namespace sembed::ops::cpu {

// Returns nothing; n >= 1. Lane-parallel sums in a fixed order, so the result depends only on x.
void softmax_inplace(float* x, size_t n);

// Like softmax_inplace but leaves the exponentials unnormalised and returns their sum.
float softmax_exp_inplace(float* x, size_t n);

}  // namespace sembed::ops::cpu
