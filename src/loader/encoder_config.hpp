// EncoderConfig: a family-neutral description of a transformer encoder, read from config.json by
// one file per model family (loader/families/*.cpp). It says which blocks the encoder is made of
// (how positions enter, whether scores get a relative-position bias, how scores are scaled, the
// MLP activation, where the norms sit) and under which tensor names the family stores each
// weight. model/ builds and runs the encoder from this description alone: a family is data, the
// blocks are code written once (docs/architecture.md, "Model families").
// Does not read weights (weight_store.hpp) nor check them (encoder_tensor_names.hpp).
#pragma once

#include <string>
#include <vector>

namespace sembed::loader {

// How each token's row of the position-embedding table is chosen.
enum class PositionIds {
  // 0, 1, 2, ... within each sequence (BERT, DistilBERT).
  Sequential,
  // fairseq's make_positions (RoBERTa, XLM-R, CamemBERT, MPNet): a token whose id is not
  // padding_idx gets padding_idx + (number of such tokens up to and including it); a token whose
  // id is padding_idx gets padding_idx. Decided by the ids, as transformers does, not the mask.
  AfterPadding,
};

// The MLP's activation (config.json hidden_act / activation). Silu only in gated MLPs.
enum class Activation { Gelu /* exact erf */, Relu, Silu };

// Where the LayerNorms sit. Post: h = LN(h + f(h)) (BERT, RoBERTa, MPNet, DistilBERT, NomicBERT).
// Pre: h = h + f(LN(h)), and one more LayerNorm after the last layer (ModernBERT).
enum class NormPlacement { Post, Pre };

// How token positions enter the encoder. Table: a row of a learned (or sinusoidal) table is
// added to each token's embedding. Rotary: nothing is added; queries and keys are rotated by
// their position inside the sequence (RoPE, the rotate-half layout of transformers' Llama-style
// apply_rotary_pos_emb) before the scores.
enum class PositionEncoding { Table, Rotary };

// What one layer's attention sees. window_half > 0: a token attends only to keys at distance
// <= window_half (ModernBERT's local layers: local_attention / 2); 0: the whole sequence.
// rope_theta: the RoPE base of this layer (PositionEncoding::Rotary only).
struct LayerAttention {
  int window_half = 0;
  double rope_theta = 0;
};

struct LinearNames {
  std::string weight;  // [out, in]
  std::string bias;    // [out]; empty: the family's linear has no bias
};

struct NormNames {
  std::string weight, bias;  // LayerNorm gamma / beta [hidden]
};

struct LayerTensorNames {
  LinearNames q, k, v, o;  // attention projections; fused into one [3H, H] matmul at load
  // Empty weight: no norm there (ModernBERT's first layer has no attention norm). An empty bias
  // is a bias-free LayerNorm (beta = 0).
  NormNames attention_norm;
  // MLP: up [I, H] and down [H, I]. A gated MLP computes down(act(up·x) * (multiplier·x)):
  // `multiplier` names its own [I, H] projection (NomicBERT: up = gate_proj / fc12, multiplier =
  // up_proj / fc11), or is empty with `up` holding both as one [2I, H] tensor, activated half
  // first (ModernBERT's Wi).
  LinearNames up, down;
  NormNames mlp_norm;
  // The checkpoint's own fused [3H, H] projection ([q | k | v] rows: NomicBERT's and ModernBERT's
  // Wqkv); when set, q, k and v are empty.
  LinearNames qkv;
  LinearNames multiplier;
};

struct EncoderTensorNames {
  std::string word_embeddings;        // [vocab, H]
  std::string position_embeddings;    // [max_positions, H]; empty: rotary positions
  std::string token_type_embeddings;  // [type_vocab, H]; empty: the family has no token types
  NormNames embedding_norm;
  std::vector<LayerTensorNames> layers;
  std::string relative_attention_bias;  // [buckets, heads]; empty: no relative-position bias
  NormNames final_norm;                 // after the last layer (pre-norm families); empty: none
  LinearNames pooler;                   // [H, H]; optional in every family that has one
  // The base-model prefixes a head class (XForMaskedLM, XForSequenceClassification, ...) puts
  // before every name, e.g. "roberta."; stripped at load, as transformers does. Some families
  // have two: the original checkpoints' and transformers' own (NomicBERT: bert. and nomic_bert.).
  std::vector<std::string> base_model_prefixes;
  // Tensors of task heads (lm_head., cls., ...): ignored, as loading the base model ignores them.
  std::vector<std::string> head_prefixes;
};

struct EncoderConfig {
  std::string family;        // "bert", "roberta", "mpnet", "distilbert", "nomic_bert", ...
  std::string model_type;    // config.json model_type, e.g. "xlm-roberta"
  std::string architecture;  // architectures[0], or the family's base class
  int vocab_size = 0;
  int hidden_size = 0;
  int num_hidden_layers = 0;
  int num_attention_heads = 0;
  int intermediate_size = 0;
  int max_position_embeddings = 0;
  int type_vocab_size = 0;  // 0: no token-type embeddings (MPNet, DistilBERT)
  float layer_norm_eps = 1e-12f;
  std::string hidden_act = "gelu";
  Activation activation = Activation::Gelu;
  NormPlacement norm_placement = NormPlacement::Post;
  PositionEncoding position_encoding = PositionEncoding::Table;
  // A gated MLP (SwiGLU, GeGLU): down(act(up·x) * (multiplier·x)); see LayerTensorNames.
  bool gated_mlp = false;
  // A fused gated `up` ([2I, H]) with the multiplier half first (GTE's up_gate_proj) instead of
  // the activated half first (ModernBERT's Wi).
  bool gate_multiplier_first = false;
  // One per layer when position_encoding is Rotary or any layer has a window; empty: every layer
  // attends globally with positions from the table.
  std::vector<LayerAttention> layer_attention;
  int pad_token_id = 0;
  PositionIds position_ids = PositionIds::Sequential;
  int padding_idx = 0;  // for PositionIds::AfterPadding
  // DistilBERT sinusoidal_pos_embds: when the checkpoint lacks the position table, it is
  // computed (transformers' create_sinusoidal_embeddings) instead of being an error.
  bool sinusoidal_positions = false;
  // MPNet's T5-style bucketed relative-position bias shared by all layers: 0 = none.
  // transformers' MPNet always buckets into 32 (its compute_position_bias default), whatever
  // the table size, so the table must have at least 32 rows.
  int relative_attention_num_buckets = 0;
  int relative_attention_max_distance = 128;
  // Scores scaled as (q·k) / sqrt(d) (MPNet) instead of (q·k) * d^-0.5 (eager_attention_forward).
  bool divide_scores_by_sqrt = false;
  EncoderTensorNames names;

  // The longest sequence the position table allows: max_position_embeddings for sequential
  // positions, max_position_embeddings - padding_idx - 1 for positions after padding_idx.
  int max_tokens() const {
    return position_ids == PositionIds::AfterPadding ? max_position_embeddings - padding_idx - 1
                                                     : max_position_embeddings;
  }
};

}  // namespace sembed::loader
