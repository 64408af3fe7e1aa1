// TransformerEncoder: the encoder of every supported family (BERT, RoBERTa/XLM-R/CamemBERT, MPNet,
// DistilBERT) in fp32 over ops/, built from an EncoderConfig (loader/encoder_config.hpp): the
// family decides the names and the options (positions, relative bias, score scaling, activation),
// this file runs the blocks. Sequences are packed back to back without padding: no FLOPs are
// spent on padding and no token attends to another sequence.
// Thread safety: immutable after construction; forward() may run concurrently on many threads,
// each call with its own EncoderOutput (scratch space is per calling thread, reused across calls).
// Batch invariance: a sequence's outputs are bit-identical whether it is encoded alone or packed
// with any other sequences (for a given thread count); see ops/cpu/linear.hpp for why.
// Weights are copied (and prepacked) at construction; the WeightStore may be dropped afterwards.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "loader/encoder_config.hpp"
#include "ops/cpu/linear.hpp"
#include "loader/weight_store.hpp"

namespace sembed::model {

// n sequences packed back to back. Sequence i occupies tokens [seq_offsets[i], seq_offsets[i+1]).
struct PackedBatch {
  std::vector<int32_t> ids;
  std::vector<int32_t> type_ids;
  std::vector<size_t> seq_offsets;  // size n + 1, seq_offsets[0] == 0
  size_t num_sequences() const { return seq_offsets.empty() ? 0 : seq_offsets.size() - 1; }
  size_t num_tokens() const { return ids.size(); }
};

struct EncoderOutput {
  std::vector<float> last_hidden_state;  // [num_tokens, hidden]
  std::vector<float> pooler_output;      // [num_sequences, hidden] when requested, else empty
};

class TransformerEncoder {
 public:
  // Binds weights by the family's names. Throws sembed::Error naming a missing or mis-shaped
  // tensor with expected and found shapes. `precision`: the layers' matmul arithmetic
  // (ops::cpu::Linear; an Error on a CPU without native kernels for it). Int8: `calibration` is
  // encoded once in fp32 first, to measure the range of each matmul's input channels for the
  // smoothing of ops/cpu/low_precision.hpp (nullptr: no smoothing).
  TransformerEncoder(const loader::EncoderConfig& config, const loader::WeightStore& weights,
                     ops::cpu::Precision precision = ops::cpu::Precision::Float32,
                     const PackedBatch* calibration = nullptr);
  ~TransformerEncoder();
  TransformerEncoder(TransformerEncoder&&) noexcept;

  // threads: worker threads for this call (>= 1). type_ids may be empty (all 0); families without
  // token types ignore them. Throws sembed::Error for ids outside the vocabulary, sequences longer
  // than the positions allow, or want_pooler on a checkpoint without a pooler.
  void forward(const PackedBatch& batch, EncoderOutput& out, bool want_pooler, int threads) const;

  int hidden_size() const;
  size_t parameter_count() const;
  // Whether the checkpoint has a pooler (pooler_output can be requested).
  bool has_pooler() const;
  const loader::EncoderConfig& config() const;
  // oneDNN's kernel for the first layer's q/k/v projection (Linear::kernel, for `sembed info`).
  std::string matmul_kernel() const;
  // Bytes the layers' prepacked matmul weights hold.
  size_t matmul_weight_bytes() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace sembed::model
