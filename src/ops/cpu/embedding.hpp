// Input embeddings for packed sequences, the additions in transformers' order:
//   with token types     out[t] = (word[id_t] + type[type_t]) + pos[p_t]   (BERT, RoBERTa)
//   without token types  out[t] = word[id_t] + pos[p_t]                     (MPNet, DistilBERT)
// p_t is position_ids[t] when given (RoBERTa's positions after the padding id), else the token's
// index inside its own sequence (restarting at 0 for each sequence). LayerNorm is a separate op.
// Indices are not checked here: the caller validates them (model/ does, naming the sequence).
#pragma once

#include <cstddef>
#include <cstdint>

namespace sembed::ops::cpu {

struct EmbeddingTables {
  const float* word = nullptr;        // [vocab, H]
  const float* position = nullptr;    // [max_positions, H]; nullptr: no position row (rotary)
  const float* token_type = nullptr;  // [type_vocab, H]; nullptr: the model has no token types
  size_t hidden = 0;
};

// ids, type_ids, position_ids: [tokens] (type_ids may be nullptr: all 0; position_ids may be
// nullptr: index within the sequence); seq_offsets: n+1 offsets. out: [tokens, H].
void embed(const int32_t* ids, const int32_t* type_ids, const size_t* seq_offsets,
           size_t num_sequences, const EmbeddingTables& tables, float* out, int threads,
           const int32_t* position_ids = nullptr);

}  // namespace sembed::ops::cpu
