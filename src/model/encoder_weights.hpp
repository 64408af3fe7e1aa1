// EncoderWeights: an encoder's tensors bound by the names its family gave (EncoderConfig::names),
// shape-checked against the config and prepared once for the CPU ops: query/key/value fused into
// one [3H, H] projection (and a gated MLP's two input projections into one [2I, H]), rotary
// cos/sin tables computed per RoPE base, every dense layer prepacked for oneDNN with its epilogue (activation,
// residual accumulate, tanh) attached, MPNet's bucketed relative bias expanded into a per-head
// table by relative position, DistilBERT's sinusoidal table computed when the checkpoint lacks
// it. Everything is copied: the WeightStore may be dropped afterwards.
// Thread safety: immutable after construction.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <vector>

#include "loader/encoder_config.hpp"
#include "loader/weight_store.hpp"
#include "ops/cpu/linear.hpp"
#include "ops/cpu/rotary.hpp"

namespace sembed::model {

// One layer: attention block then MLP block, each with its LayerNorm (after the block's
// residual add in post-norm families, on the block's input in pre-norm ones).
struct EncoderLayerWeights {
  ops::cpu::Linear qkv;          // [3H, H], epilogue None: [q | k | v] per token
  ops::cpu::Linear attn_output;  // [H, H], epilogue Accumulate (adds into the residual)
  // [H] each; empty gamma: no norm there (ModernBERT's layer 0). A bias-free norm has beta = 0.
  std::vector<float> attn_norm_gamma, attn_norm_beta;
  // [I, H], epilogue = the activation; gated MLPs: [2I, H], epilogue None, rows [activated |
  // multiplier], the gate applied by ops::cpu::gated_activation.
  ops::cpu::Linear up;
  ops::cpu::Linear down;                             // [H, I], epilogue Accumulate
  std::vector<float> mlp_norm_gamma, mlp_norm_beta;  // [H]
  // Rotary positions: index into EncoderWeights::rotary (-1: none). Sliding window half-width
  // (0: global attention).
  int rotary = -1;
  int window_half = 0;
};

struct EncoderWeights {
  // [vocab, H], the largest tensor (47 MB in all-MiniLM-L6-v2): read in place from the mapped
  // weight file when it is f32 there, so that a load copies nothing and only the rows of the
  // tokens met are ever paged in; otherwise (converted from f16, ...) a copy. `owner` keeps it
  // alive in both cases.
  const float* word_embeddings = nullptr;
  std::shared_ptr<const void> word_embeddings_owner;
  std::vector<float> position_embeddings;            // [max_positions, H]; empty: rotary
  std::vector<float> token_type_embeddings;          // [type_vocab, H]; empty: no token types
  std::vector<float> emb_norm_gamma, emb_norm_beta;  // [H]
  std::vector<EncoderLayerWeights> layers;
  // [heads, 2 * max_tokens - 1] bias by relative position (MPNet); empty: none.
  std::vector<float> relative_bias;
  size_t relative_bias_stride = 0, relative_bias_center = 0;
  // One cos/sin table per distinct RoPE base (ModernBERT has two: global and local layers).
  std::vector<ops::cpu::RotaryTable> rotary;
  std::vector<float> final_norm_gamma, final_norm_beta;  // [H]; empty: no final norm
  std::optional<ops::cpu::Linear> pooler;  // [H, H], epilogue Tanh; absent in some checkpoints
  size_t parameter_count = 0;
};

// Per layer, the largest |x_k| each matmul's input reached on calibration text
// (Linear::observe_inputs): the int8 path's smoothing (ops/cpu/low_precision.hpp).
struct LayerInputMaxima {
  std::vector<float> qkv, attn_output, up, down;
};
using EncoderCalibration = std::vector<LayerInputMaxima>;

// Throws sembed::Error naming a missing or mis-shaped tensor (expected and found shape).
// `precision`: the arithmetic of every layer's matmuls (ops::cpu::Linear); throws sembed::Error
// when the CPU has no native kernel for it.
EncoderWeights bind_encoder_weights(const loader::EncoderConfig& config,
                                    const loader::WeightStore& store,
                                    ops::cpu::Precision precision = ops::cpu::Precision::Float32,
                                    const EncoderCalibration* calibration = nullptr);

// transformers' DistilBERT create_sinusoidal_embeddings: [n_pos, dim], even columns
// sin(pos / 10000^(2*(j/2)/dim)), odd columns cos(...), computed in double, stored as float.
std::vector<float> sinusoidal_position_table(int n_pos, int dim);

}  // namespace sembed::model
