// See transformer_encoder.hpp. The forward pass (T tokens, H hidden, I intermediate):
//   embeddings: h = LN(word[id] (+ type[type]) + pos[p])          [T, H]
//     p = index in the sequence, or padding_idx + cumsum(id != padding_idx) (RoBERTa, MPNet)
//     (rotary families: no position row; q and k are rotated after the qkv matmul instead)
//   per post-norm layer:
//   qkv   = h · Wqkvᵀ + b                        [T, 3H]  one fused matmul
//   ctx   = attention(qkv, rel. bias) per seq.   [T, H]   no padding, no cross-sequence attention
//   h    += ctx · Woᵀ + bo ; h = LN(h)           [T, H]   residual accumulated inside the matmul
//   inter = act(h · Wiᵀ + bi)                    [T, I]   activation fused into the matmul
//   h    += inter · Wo2ᵀ + bo2 ; h = LN(h)       [T, H]
// Pre-norm families (ModernBERT) normalise into a scratch copy before each block instead of after
// it (h += f(LN(h))), then once more after the last layer. A gated MLP computes [a | b] in one
// matmul into a [T, 2I] buffer and inter = act(a) * b. Sliding-window layers pass their window to
// attention.
// h lives in the caller's EncoderOutput::last_hidden_state; the other buffers are per calling
// thread and reused across calls, so a steady stream of batches stops allocating.
// Threads: a large batch is cut into one group of whole sequences per thread, each encoded on its
// own thread (no synchronisation inside a layer); a small batch shares every op between threads.
#include "model/transformer_encoder.hpp"

#include <algorithm>
#include <exception>
#include <sembed/error.hpp>
#include <string>
#include <vector>

#include "model/encoder_weights.hpp"
#include "ops/cpu/attention.hpp"
#include "ops/cpu/embedding.hpp"
#include "ops/cpu/gated.hpp"
#include "ops/cpu/layer_norm.hpp"
#include "ops/cpu/parallel.hpp"
#include "ops/cpu/rotary.hpp"
#include "tensor/aligned_buffer.hpp"

namespace sembed::model {
namespace {

struct Workspace {
  tensor::AlignedBuffer qkv, ctx, inter, gate, normed, cls;
  std::vector<size_t> offsets;        // the encoded range's sequence offsets, from 0
  std::vector<int32_t> position_ids;  // [T] when positions are counted after the padding id
};

Workspace& thread_workspace() {
  thread_local Workspace ws;
  return ws;
}

}  // namespace

struct TransformerEncoder::Impl {
  loader::EncoderConfig config;
  EncoderWeights weights;

  // Throws sembed::Error naming the sequence and token at fault.
  void validate(const PackedBatch& batch, bool want_pooler) const {
    const size_t n = batch.num_sequences();
    if (batch.seq_offsets.empty() || batch.seq_offsets[0] != 0)
      throw Error("encoder input: seq_offsets must start with 0");
    if (batch.seq_offsets.back() != batch.ids.size())
      throw Error("encoder input: seq_offsets end at " + std::to_string(batch.seq_offsets.back()) +
                  " but there are " + std::to_string(batch.ids.size()) + " token ids");
    if (!batch.type_ids.empty() && batch.type_ids.size() != batch.ids.size())
      throw Error("encoder input: " + std::to_string(batch.type_ids.size()) + " type ids for " +
                  std::to_string(batch.ids.size()) + " token ids");
    for (size_t s = 0; s < n; ++s) {
      const size_t begin = batch.seq_offsets[s], end = batch.seq_offsets[s + 1];
      if (end < begin)
        throw Error("encoder input: seq_offsets decrease at sequence " + std::to_string(s));
      if (end - begin > static_cast<size_t>(config.max_tokens()))
        throw Error("encoder input: sequence " + std::to_string(s) + " has " +
                    std::to_string(end - begin) + " tokens, more than the " +
                    std::to_string(config.max_tokens()) + " that max_position_embeddings " +
                    std::to_string(config.max_position_embeddings) + " allows");
      if (want_pooler && end == begin)
        throw Error("encoder input: sequence " + std::to_string(s) +
                    " is empty (pooler needs a first token)");
      for (size_t t = begin; t < end; ++t) {
        if (batch.ids[t] < 0 || batch.ids[t] >= config.vocab_size)
          throw Error("encoder input: token id " + std::to_string(batch.ids[t]) + " at position " +
                      std::to_string(t - begin) + " of sequence " + std::to_string(s) +
                      " is outside the vocabulary [0, " + std::to_string(config.vocab_size) + ")");
        if (!batch.type_ids.empty() && config.type_vocab_size > 0 &&
            (batch.type_ids[t] < 0 || batch.type_ids[t] >= config.type_vocab_size))
          throw Error("encoder input: token type id " + std::to_string(batch.type_ids[t]) +
                      " at position " + std::to_string(t - begin) + " of sequence " +
                      std::to_string(s) + " is outside [0, " +
                      std::to_string(config.type_vocab_size) + ")");
      }
    }
    if (want_pooler && !weights.pooler)
      throw Error("pooler_output requested but the model has no pooler weights");
  }
};

TransformerEncoder::TransformerEncoder(const loader::EncoderConfig& config,
                                       const loader::WeightStore& weights,
                                       ops::cpu::Precision precision,
                                       const PackedBatch* calibration)
    : impl_(std::make_unique<Impl>()) {
  impl_->config = config;
  if (precision != ops::cpu::Precision::Int8 || !calibration || calibration->num_tokens() == 0) {
    impl_->weights = bind_encoder_weights(config, weights, precision);
    return;
  }
  // Int8: run the calibration text through the fp32 encoder, recording every matmul's input
  // maxima, then bind the int8 weights smoothed by them. One thread, so the recording is safe.
  impl_->weights = bind_encoder_weights(config, weights, ops::cpu::Precision::Float32);
  EncoderCalibration maxima(impl_->weights.layers.size());
  for (size_t l = 0; l < maxima.size(); ++l) {
    const EncoderLayerWeights& L = impl_->weights.layers[l];
    L.qkv.observe_inputs(&maxima[l].qkv);
    L.attn_output.observe_inputs(&maxima[l].attn_output);
    L.up.observe_inputs(&maxima[l].up);
    L.down.observe_inputs(&maxima[l].down);
  }
  EncoderOutput out;
  forward(*calibration, out, /*want_pooler=*/false, /*threads=*/1);
  impl_->weights = bind_encoder_weights(config, weights, precision, &maxima);
}

TransformerEncoder::~TransformerEncoder() = default;
TransformerEncoder::TransformerEncoder(TransformerEncoder&&) noexcept = default;

int TransformerEncoder::hidden_size() const { return impl_->config.hidden_size; }
size_t TransformerEncoder::parameter_count() const { return impl_->weights.parameter_count; }
bool TransformerEncoder::has_pooler() const { return impl_->weights.pooler.has_value(); }
const loader::EncoderConfig& TransformerEncoder::config() const { return impl_->config; }

std::string TransformerEncoder::matmul_kernel() const {
  const auto& layers = impl_->weights.layers;
  return layers.empty() ? "" : layers.front().qkv.kernel();
}

size_t TransformerEncoder::matmul_weight_bytes() const {
  size_t bytes = 0;
  for (const auto& L : impl_->weights.layers)
    bytes += L.qkv.weight_bytes() + L.attn_output.weight_bytes() + L.up.weight_bytes() +
             L.down.weight_bytes();
  return bytes;
}

namespace {

// Runs the embeddings and every layer on sequences [s0, s1) of the batch, writing their rows of
// h; `threads` threads share each op.
void encode_range(const loader::EncoderConfig& c, const EncoderWeights& w, const PackedBatch& batch,
                  size_t s0, size_t s1, float* h_all, int threads) {
  const size_t H = static_cast<size_t>(c.hidden_size), I = static_cast<size_t>(c.intermediate_size);
  const size_t base = batch.seq_offsets[s0];
  const size_t T = batch.seq_offsets[s1] - base, n = s1 - s0;
  if (T == 0) return;
  const int64_t rows = static_cast<int64_t>(T);
  Workspace& ws = thread_workspace();
  ws.offsets.resize(n + 1);
  for (size_t s = 0; s <= n; ++s) ws.offsets[s] = batch.seq_offsets[s0 + s] - base;
  const size_t* offsets = ws.offsets.data();
  float* h = h_all + base * H;             // [T, H]
  float* qkv = ws.qkv.reserve(T * 3 * H);  // [T, 3H]
  float* ctx = ws.ctx.reserve(T * H);      // [T, H]
  float* inter = ws.inter.reserve(T * I);  // [T, I]

  const int32_t* ids = batch.ids.data() + base;  // [T]
  const int32_t* position_ids = nullptr;         // [T]; nullptr: index within the sequence
  if (c.position_ids == loader::PositionIds::AfterPadding) {
    // fairseq's make_positions: padding_idx + running count of non-padding ids; a padding id
    // keeps padding_idx. Decided by the ids, as transformers does (not by the attention mask).
    ws.position_ids.resize(T);
    const int32_t pad = c.padding_idx;
    for (size_t s = 0; s < n; ++s) {
      int32_t count = 0;
      for (size_t t = offsets[s]; t < offsets[s + 1]; ++t)
        ws.position_ids[t] = ids[t] == pad ? pad : pad + ++count;
    }
    position_ids = ws.position_ids.data();
  }
  const bool has_types = !w.token_type_embeddings.empty();
  ops::cpu::EmbeddingTables tables{
      w.word_embeddings,
      w.position_embeddings.empty() ? nullptr : w.position_embeddings.data(),
      has_types ? w.token_type_embeddings.data() : nullptr, H};
  ops::cpu::embed(ids,
                  has_types && !batch.type_ids.empty() ? batch.type_ids.data() + base : nullptr,
                  offsets, n, tables, h, threads, position_ids);  // h [T, H]
  ops::cpu::layer_norm(h, h, T, H, w.emb_norm_gamma.data(), w.emb_norm_beta.data(),
                       c.layer_norm_eps, threads);

  const size_t heads = static_cast<size_t>(c.num_attention_heads);
  const ops::cpu::AttentionShape shape{H, heads};
  ops::cpu::AttentionOptions attention_options;
  attention_options.divide_by_sqrt = c.divide_scores_by_sqrt;
  if (!w.relative_bias.empty())
    attention_options.bias = {w.relative_bias.data(), w.relative_bias_stride,
                              w.relative_bias_center};
  const bool pre_norm = c.norm_placement == loader::NormPlacement::Pre;
  float* normed = pre_norm ? ws.normed.reserve(T * H) : nullptr;     // [T, H] LN(h) for pre-norm
  float* gate = c.gated_mlp ? ws.gate.reserve(T * 2 * I) : nullptr;  // [T, 2I] before the gate
  const auto gate_act = c.activation == loader::Activation::Silu ? ops::cpu::GateActivation::Silu
                                                                 : ops::cpu::GateActivation::Gelu;
  auto norm = [&](const float* x, float* y, const std::vector<float>& gamma,
                  const std::vector<float>& beta) {
    ops::cpu::layer_norm(x, y, T, H, gamma.data(), beta.data(), c.layer_norm_eps, threads);
  };
  // Pre-norm: a block's input is LN(h) (h itself where the layer has no norm); post-norm: h.
  auto block_input = [&](const std::vector<float>& gamma, const std::vector<float>& beta) {
    if (!pre_norm || gamma.empty()) return static_cast<const float*>(h);
    norm(h, normed, gamma, beta);
    return static_cast<const float*>(normed);
  };
  for (const EncoderLayerWeights& L : w.layers) {
    L.qkv.forward(block_input(L.attn_norm_gamma, L.attn_norm_beta), rows, qkv, threads);  // [T, 3H]
    if (L.rotary >= 0)
      ops::cpu::apply_rotary(qkv, offsets, n, H, heads, w.rotary[L.rotary], threads);
    attention_options.window = L.window_half;
    ops::cpu::attention(qkv, offsets, n, shape, ctx, threads, attention_options);  // [T, H]
    L.attn_output.forward(ctx, rows, h, threads);  // h += ctx·Woᵀ + bo   [T, H]
    if (!pre_norm) norm(h, h, L.attn_norm_gamma, L.attn_norm_beta);
    const float* x = block_input(L.mlp_norm_gamma, L.mlp_norm_beta);
    if (c.gated_mlp) {
      L.up.forward(x, rows, gate, threads);  // [a | b] = x·[Wa; Wb]ᵀ  [T, 2I]
      ops::cpu::gated_activation(gate, T, I, gate_act, inter, threads);  // act(a) * b  [T, I]
    } else {
      L.up.forward(x, rows, inter, threads);  // inter = act(h·Wiᵀ + bi)  [T, I]
    }
    L.down.forward(inter, rows, h, threads);  // h += inter·Wo2ᵀ + bo2    [T, H]
    if (!pre_norm) norm(h, h, L.mlp_norm_gamma, L.mlp_norm_beta);
  }
  if (!w.final_norm_gamma.empty()) norm(h, h, w.final_norm_gamma, w.final_norm_beta);
}

// Encodes sequences [s0, s1) in consecutive chunks of whole sequences of about kChunkTokens
// tokens, so that a chunk's activations (qkv, the FFN's intermediate) stay in the core's L2
// cache between the ops that write and read them; large enough for full-speed matmuls. Chunking
// cannot change results (rows are bit-identical whatever the batch).
constexpr size_t kChunkTokens = 256;

void encode_chunked(const loader::EncoderConfig& c, const EncoderWeights& w,
                    const PackedBatch& batch, size_t s0, size_t s1, float* h_all, int threads) {
  const auto& off = batch.seq_offsets;
  while (s0 < s1) {
    size_t e = s0 + 1;
    while (e < s1 && off[e + 1] - off[s0] <= kChunkTokens) ++e;
    encode_range(c, w, batch, s0, e, h_all, threads);
    s0 = e;
  }
}

// Below this many tokens per thread, splitting the batch between threads leaves each with too
// few rows for efficient matmuls; the threads then share every op instead.
constexpr size_t kMinTokensPerGroup = 48;

}  // namespace

void TransformerEncoder::forward(const PackedBatch& batch, EncoderOutput& out, bool want_pooler,
                                 int threads) const {
  const Impl& m = *impl_;
  m.validate(batch, want_pooler);
  if (threads < 1) threads = 1;
  const auto& c = m.config;
  const auto& w = m.weights;
  const size_t T = batch.num_tokens(), n = batch.num_sequences();
  const size_t H = static_cast<size_t>(c.hidden_size);

  out.last_hidden_state.resize(T * H);
  out.pooler_output.clear();
  if (T == 0) return;
  float* h = out.last_hidden_state.data();  // [T, H]

  // Large batches: cut the sequences into `threads` contiguous groups of about equal token count
  // and encode each group on its own thread, with single-threaded ops: no synchronisation at
  // all between the ops of a layer. Small batches: all threads share each op. Either way every
  // row's arithmetic is the same (oneDNN's kernels give bit-identical rows for any row count and
  // thread count, attention and LayerNorm are per sequence / per row), so the choice cannot
  // change results.
  const size_t groups = std::min<size_t>({static_cast<size_t>(threads), n, T / kMinTokensPerGroup});
  std::vector<size_t> cut(groups + 1, n);
  bool split = groups >= 2;
  if (split) {
    cut[0] = 0;
    size_t s = 0;
    for (size_t g = 1; g < groups; ++g) {
      const size_t target = T * g / groups;
      while (s < n && batch.seq_offsets[s] < target) ++s;
      cut[g] = std::max(s, cut[g - 1]);
    }
    // Whole sequences cannot always be balanced (one long sequence among short ones): when the
    // largest group would hold over 1.5x its share, sharing each op balances better.
    size_t largest = 0;
    for (size_t g = 0; g < groups; ++g)
      largest = std::max(largest, batch.seq_offsets[cut[g + 1]] - batch.seq_offsets[cut[g]]);
    split = largest * groups * 2 <= T * 3;
  }
  if (split) {
    // An exception must not leave an OpenMP region: keep it and rethrow on the calling thread.
    std::vector<std::exception_ptr> errors(groups);
    ops::cpu::parallel_for(static_cast<int>(groups), groups, [&](size_t g0, size_t g1) {
      for (size_t g = g0; g < g1; ++g) try {
          if (cut[g] < cut[g + 1]) encode_chunked(c, w, batch, cut[g], cut[g + 1], h, 1);
        } catch (...) {
          errors[g] = std::current_exception();
        }
    });
    for (auto& e : errors)
      if (e) std::rethrow_exception(e);
  } else {
    encode_chunked(c, w, batch, 0, n, h, threads);
  }

  if (want_pooler) {
    Workspace& ws = thread_workspace();
    float* cls = ws.cls.reserve(n * H);  // [n, H]: each sequence's first token
    const size_t* offsets = batch.seq_offsets.data();
    for (size_t i = 0; i < n; ++i)
      std::copy(h + offsets[i] * H, h + offsets[i] * H + H, cls + i * H);
    out.pooler_output.resize(n * H);
    w.pooler->forward(cls, static_cast<int64_t>(n), out.pooler_output.data(), threads);
  }
}

}  // namespace sembed::model
