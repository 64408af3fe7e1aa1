// BERT's input embeddings for packed sequences: out[t] = (word[id_t] + type[type_t]) + pos[p_t],
// with p_t the token's position inside its own sequence (restarting at 0 for each sequence) and
// the additions in transformers' order. LayerNorm is a separate op. Indices are not checked here:
// the caller validates them (model/ does, with an error naming the sequence).
#pragma once

#include <cstddef>
#include <cstdint>

namespace sembed::ops::cpu {

struct EmbeddingTables {
  const float* word = nullptr;        // [vocab, H]
  const float* position = nullptr;    // [max_positions, H]
  const float* token_type = nullptr;  // [type_vocab, H]
  size_t hidden = 0;
};

// ids, type_ids: [tokens] (type_ids may be nullptr: all 0); seq_offsets: n+1 offsets.
// out: [tokens, H].
void embed(const int32_t* ids, const int32_t* type_ids, const size_t* seq_offsets,
           size_t num_sequences, const EmbeddingTables& tables, float* out, int threads);

}  // namespace sembed::ops::cpu
