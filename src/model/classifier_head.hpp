// ClassifierHead: a *ForSequenceClassification head on the encoder's last_hidden_state (see
// loader/cross_encoder_config.hpp for each family's shape): the sequence's first token or its
// mean -> dense -> activation -> optional LayerNorm -> out projection = num_labels logits.
// Matmuls are ops::cpu::Linear (prepacked; a row's result does not depend on the batch), the
// activation runs elementwise in float as torch's modules do.
// Thread safety: immutable after construction.
#pragma once

#include <cstddef>
#include <optional>
#include <vector>

#include "loader/cross_encoder_config.hpp"
#include "loader/weight_store.hpp"
#include "ops/cpu/linear.hpp"

namespace sembed::model {

class ClassifierHead {
 public:
  // Binds the head's tensors (names after the base-model prefix is stripped). Throws
  // sembed::Error naming a missing or mis-shaped tensor.
  ClassifierHead(const loader::ClassifierHeadConfig& config, int hidden_size,
                 const loader::WeightStore& weights);

  // tokens: one sequence's last_hidden_state [n_tokens, hidden]; out: [hidden], the head's input
  // (the first token or the mean over the sequence).
  void select(const float* tokens, size_t n_tokens, float* out) const;
  // x: [rows, hidden] selected rows; logits: [rows, num_labels].
  void forward(const float* x, size_t rows, float* logits, int threads) const;

  int num_labels() const { return config_.num_labels; }
  size_t parameter_count() const { return parameters_; }

 private:
  loader::ClassifierHeadConfig config_;
  int hidden_ = 0;
  std::optional<ops::cpu::Linear> dense_, out_;
  std::vector<float> gamma_, beta_;  // beta_ empty: bias-free LayerNorm; gamma_ empty: none
  size_t parameters_ = 0;
};

}  // namespace sembed::model
