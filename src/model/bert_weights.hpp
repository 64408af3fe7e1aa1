// BertWeights: the tensors of a BertModel bound by Hugging Face name from a WeightStore, shape
// checked against the config, and prepared once for the CPU ops: query/key/value fused into one
// [3H, H] projection, every dense layer prepacked for oneDNN with its epilogue (GELU, residual
// accumulate, tanh) attached. Everything is copied: the WeightStore may be dropped afterwards.
// Thread safety: immutable after construction.
#pragma once

#include <cstddef>
#include <optional>
#include <vector>

#include "loader/model_directory.hpp"
#include "loader/weight_store.hpp"
#include "ops/cpu/linear.hpp"

namespace sembed::model {

struct BertLayerWeights {
  ops::cpu::Linear qkv;          // [3H, H], epilogue None: [q | k | v] per token
  ops::cpu::Linear attn_output;  // [H, H], epilogue Accumulate (adds into the residual)
  std::vector<float> attn_ln_gamma, attn_ln_beta;  // [H]
  ops::cpu::Linear intermediate;                   // [I, H], epilogue Gelu (exact erf)
  ops::cpu::Linear output;                         // [H, I], epilogue Accumulate
  std::vector<float> out_ln_gamma, out_ln_beta;    // [H]
};

struct BertWeights {
  std::vector<float> word_embeddings;            // [vocab, H]
  std::vector<float> position_embeddings;        // [max_positions, H]
  std::vector<float> token_type_embeddings;      // [type_vocab, H]
  std::vector<float> emb_ln_gamma, emb_ln_beta;  // [H]
  std::vector<BertLayerWeights> layers;
  std::optional<ops::cpu::Linear> pooler;  // [H, H], epilogue Tanh; absent in some checkpoints
  size_t parameter_count = 0;
};

// Throws sembed::Error naming a missing or mis-shaped tensor (expected and found shape), or an
// unsupported config value (hidden_act other than "gelu", heads not dividing hidden size).
BertWeights bind_bert_weights(const loader::BertConfig& config, const loader::WeightStore& store);

}  // namespace sembed::model
