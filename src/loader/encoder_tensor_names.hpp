// Which tensors an encoder has, with their shapes, derived from its EncoderConfig (the family's
// names, config.json's sizes); and the check that a WeightStore holds exactly those. Optional:
// the pooler (only pooler_output needs it) and, for sinusoidal DistilBERTs, the position table.
// Task heads (the family's head prefixes, e.g. "cls.", "lm_head.") are ignored as transformers
// does; anything else unknown is an error. Does not bind weights (model/ does, by these names).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "loader/encoder_config.hpp"
#include "loader/weight_store.hpp"

namespace sembed::loader {

struct ExpectedTensor {
  std::string name;  // as WeightStore stores it, e.g. "encoder.layer.0.attention.self.query.weight"
  std::vector<int64_t> shape;
  bool optional = false;
};

std::vector<ExpectedTensor> expected_tensors(const EncoderConfig& config);

struct TensorCheck {
  bool has_pooler = false;
  size_t parameter_count = 0;      // of the expected tensors present
  std::vector<std::string> notes;  // e.g. ignored head tensors
};

// Throws sembed::Error naming the first missing, mis-shaped or unexpected tensor, with the
// expected and the found shape. `bound_elsewhere`: names another part binds and checks (a
// cross-encoder's classifier head), neither unexpected nor ignored.
TensorCheck check_encoder_tensors(const EncoderConfig& config, const WeightStore& weights,
                                  const std::vector<std::string>& bound_elsewhere = {});

}  // namespace sembed::loader
