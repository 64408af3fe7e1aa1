// Small value types shared by the public API and the internal layers.
#pragma once

#include <string>
#include <string_view>

namespace sembed {

// Pooling modes of sentence-transformers' Pooling module (1_Pooling/config.json).
enum class PoolingMode { Mean, Cls, Max, MeanSqrtLenTokens, WeightedMean, LastToken };

// Parses "mean", "cls", "max", "mean_sqrt_len_tokens", "weightedmean", "lasttoken";
// throws sembed::Error naming the value otherwise.
PoolingMode parse_pooling_mode(std::string_view name);
std::string_view to_string(PoolingMode mode);

// Similarity functions with sentence-transformers' conventions: larger is more similar, so
// euclidean and manhattan are returned negated.
enum class SimilarityMetric { Cosine, Dot, Euclidean, Manhattan };

SimilarityMetric parse_similarity_metric(std::string_view name);
std::string_view to_string(SimilarityMetric metric);

// What encoding does with a text longer than the model takes (EncodeOptions::long_text):
// "truncate" or "chunk".
enum class LongText { Truncate, Chunk };

LongText parse_long_text(std::string_view name);
std::string_view to_string(LongText mode);

// The arithmetic of the encoder's matrix multiplications (LoadOptions::dtype; docs/precision.md):
// "float32" (exact, the default), "bf16" (bf16 weights and activations, fp32 sums) or "int8"
// (per-channel int8 weights, per-token int8 activations, int32 sums). Everything else
// (attention, LayerNorm, pooling) stays fp32. "auto" is a request, never a model's dtype: it
// asks for the fastest arithmetic this CPU runs natively (resolve_dtype).
enum class DType { Float32, BFloat16, Int8, Auto };

DType parse_dtype(std::string_view name);
std::string_view to_string(DType dtype);
// The dtype a load with `requested` runs: itself, except Auto, which becomes Int8 where oneDNN
// has native int8 kernels on this CPU (AVX512-VNNI, AMX-INT8: measured fastest there,
// docs/precision.md) and Float32 elsewhere. bf16 is never chosen: it was slower than fp32 on
// AVX512-BF16 without AMX, and no AMX machine has been measured.
DType resolve_dtype(DType requested);

}  // namespace sembed
