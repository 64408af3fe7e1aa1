// See embedding.hpp.
#include "ops/cpu/embedding.hpp"

#include "ops/cpu/parallel.hpp"

namespace sembed::ops::cpu {

void embed(const int32_t* ids, const int32_t* type_ids, const size_t* seq_offsets,
           size_t num_sequences, const EmbeddingTables& tables, float* out, int threads,
           const int32_t* position_ids) {
  const size_t H = tables.hidden;
  const size_t tokens = seq_offsets[num_sequences] - seq_offsets[0];
  const int t = tokens * H < 16384 ? 1 : threads;
  parallel_for(t, num_sequences, [&](size_t begin, size_t end) {
    for (size_t s = begin; s < end; ++s)
      for (size_t tok = seq_offsets[s]; tok < seq_offsets[s + 1]; ++tok) {
        const float* w = tables.word + static_cast<size_t>(ids[tok]) * H;
        const size_t pos =
            position_ids ? static_cast<size_t>(position_ids[tok]) : tok - seq_offsets[s];
        float* o = out + tok * H;
        if (!tables.position) {  // rotary positions: nothing added here
          if (tables.token_type) {
            const float* ty =
                tables.token_type + static_cast<size_t>(type_ids ? type_ids[tok] : 0) * H;
            for (size_t c = 0; c < H; ++c) o[c] = w[c] + ty[c];
          } else {
            for (size_t c = 0; c < H; ++c) o[c] = w[c];
          }
          continue;
        }
        const float* p = tables.position + pos * H;
        if (tables.token_type) {
          const float* ty =
              tables.token_type + static_cast<size_t>(type_ids ? type_ids[tok] : 0) * H;
          for (size_t c = 0; c < H; ++c) o[c] = (w[c] + ty[c]) + p[c];
        } else {
          for (size_t c = 0; c < H; ++c) o[c] = w[c] + p[c];
        }
      }
  });
}

}  // namespace sembed::ops::cpu
