// Which tensors a BertModel has, with their shapes, derived from config.json; and the check that
// a WeightStore holds exactly those (the pooler is optional, task heads such as "cls.*" and
// "classifier.*" are ignored as transformers does, anything else unknown is an error).
// Does not bind weights to the encoder (model/ does that by name).
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "loader/model_directory.hpp"
#include "loader/weight_store.hpp"

namespace sembed::loader {

struct ExpectedTensor {
  std::string name;  // as WeightStore stores it, e.g. "encoder.layer.0.attention.self.query.weight"
  std::vector<int64_t> shape;
  bool optional = false;  // pooler.dense.*: BertModel works without it, only pooler_output needs it
};

std::vector<ExpectedTensor> bert_expected_tensors(const BertConfig& config);

struct BertTensorCheck {
  bool has_pooler = false;
  size_t parameter_count = 0;      // of the expected tensors present
  std::vector<std::string> notes;  // e.g. ignored head tensors
};

// Throws sembed::Error naming the first missing, mis-shaped or unexpected tensor, with the
// expected and the found shape.
BertTensorCheck check_bert_tensor_names(const BertConfig& config, const WeightStore& weights);

}  // namespace sembed::loader
