// Names of the public enums, as used on the command line, in configs and over HTTP.
#include <sembed/error.hpp>
#include <sembed/types.hpp>

#include <array>
#include <string>
#include <utility>

namespace sembed {
namespace {

constexpr std::array<std::pair<PoolingMode, std::string_view>, 6> kPoolingNames{{
    {PoolingMode::Mean, "mean"},
    {PoolingMode::Cls, "cls"},
    {PoolingMode::Max, "max"},
    {PoolingMode::MeanSqrtLenTokens, "mean_sqrt_len_tokens"},
    {PoolingMode::WeightedMean, "weightedmean"},
    {PoolingMode::LastToken, "lasttoken"},
}};

constexpr std::array<std::pair<SimilarityMetric, std::string_view>, 4> kMetricNames{{
    {SimilarityMetric::Cosine, "cosine"},
    {SimilarityMetric::Dot, "dot"},
    {SimilarityMetric::Euclidean, "euclidean"},
    {SimilarityMetric::Manhattan, "manhattan"},
}};

constexpr std::array<std::pair<LongText, std::string_view>, 2> kLongTextNames{{
    {LongText::Truncate, "truncate"},
    {LongText::Chunk, "chunk"},
}};

constexpr std::array<std::pair<DType, std::string_view>, 4> kDTypeNames{{
    {DType::Float32, "float32"},
    {DType::BFloat16, "bf16"},
    {DType::Int8, "int8"},
    {DType::Auto, "auto"},
}};

template <typename Enum, size_t N>
Enum parse_name(const std::array<std::pair<Enum, std::string_view>, N>& table,
                std::string_view name, std::string_view what) {
  std::string choices;
  for (const auto& [value, text] : table) {
    if (text == name) return value;
    choices += choices.empty() ? "" : ", ";
    choices += text;
  }
  throw Error("unknown " + std::string(what) + " '" + std::string(name) + "' (choose one of " +
              choices + ")");
}

template <typename Enum, size_t N>
std::string_view name_of(const std::array<std::pair<Enum, std::string_view>, N>& table,
                         Enum value) {
  for (const auto& [v, text] : table)
    if (v == value) return text;
  return "?";
}

}  // namespace

PoolingMode parse_pooling_mode(std::string_view name) {
  return parse_name(kPoolingNames, name, "pooling mode");
}
std::string_view to_string(PoolingMode mode) { return name_of(kPoolingNames, mode); }

SimilarityMetric parse_similarity_metric(std::string_view name) {
  return parse_name(kMetricNames, name, "similarity metric");
}
std::string_view to_string(SimilarityMetric metric) { return name_of(kMetricNames, metric); }

LongText parse_long_text(std::string_view name) {
  return parse_name(kLongTextNames, name, "long-text mode");
}
std::string_view to_string(LongText mode) { return name_of(kLongTextNames, mode); }

DType parse_dtype(std::string_view name) { return parse_name(kDTypeNames, name, "dtype"); }
std::string_view to_string(DType dtype) { return name_of(kDTypeNames, dtype); }

}  // namespace sembed
