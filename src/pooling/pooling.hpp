// Pooling: token embeddings of one sequence -> one sentence embedding, with the semantics of
// sentence-transformers' Pooling module, and the Normalize module (L2, as torch's F.normalize).
// Sequences here are packed (no padding), so every token is a real token (mask all ones).
// Does not concatenate several modes (sentence-transformers allows that; no supported model uses it).
#pragma once

#include <cstddef>

#include <sembed/types.hpp>

namespace sembed::pooling {

// tokens: [n_tokens, hidden] row-major, n_tokens >= 1. out: [hidden].
// skip: the first `skip` tokens are a prompt left out of pooling (Pooling include_prompt: false),
// as sentence-transformers masks them: mean/max/mean_sqrt_len/weightedmean over tokens
// [skip, n) (weightedmean keeps the weights t + 1 of the full sequence), cls takes token `skip`,
// lasttoken token n - 1; with nothing left, mean-like modes give 0, max gives -inf, cls token 0
// and lasttoken 0, as sentence-transformers' masked reductions do.
void pool(PoolingMode mode, const float* tokens, size_t n_tokens, size_t hidden, float* out,
          size_t skip = 0);

// v /= max(||v||_2, 1e-12), in place.
void l2_normalize(float* v, size_t n);

}  // namespace sembed::pooling
