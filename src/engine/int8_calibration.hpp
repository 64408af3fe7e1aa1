// The text the int8 path calibrates on (LoadOptions::dtype = Int8): a fixed, built-in set of
// sentences, tokenized by the model's own tokenizer, whose fp32 pass measures the range of each
// matmul's input channels (model::TransformerEncoder, ops/cpu/low_precision.hpp). Fixed, so
// that loading the same model always gives the same int8 weights.
#pragma once

#include <cstddef>

#include "model/transformer_encoder.hpp"
#include "tokenizer/tokenizer.hpp"

namespace sembed {

// Every calibration text as one packed batch, each truncated to max_length tokens.
model::PackedBatch int8_calibration_batch(const tokenizer::Tokenizer& tokenizer,
                                          size_t max_length);

}  // namespace sembed
