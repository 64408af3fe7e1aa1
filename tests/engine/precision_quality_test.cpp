// The reduced-precision dtypes (LoadOptions::dtype bf16, int8) against sentence-transformers'
// fp32 embeddings of every STS-B test sentence (tests/golden/*_sts_test.npy), for
// all-MiniLM-L6-v2 and all-mpnet-base-v2, held to the quality bars of docs/precision.md:
//   bf16: cosine to the reference min >= 0.999, STS-B Spearman within 0.003 of the reference's;
//   int8: min >= 0.99, median >= 0.999, Spearman within 0.005.
// On a CPU without the instructions a dtype needs, loading must refuse it with an Error naming
// them, and the CPU's features must indeed lack them: either way the test checks something.
// Also: a text's reduced-precision embedding does not depend on its batch (bit-identical).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sembed/sembed.hpp>
#include <string>
#include <vector>

#include "npy_reader.hpp"
#include "ops/cpu/cpu_features.hpp"
#include "sts_benchmark.hpp"

namespace sembed {
namespace {

using testing::cosine;
using testing::read_sts_test;
using testing::spearman;
using testing::StsTest;

struct Bars {
  double min_cosine, median_cosine, spearman_delta;
};

Bars bars_for(DType dtype) {
  return dtype == DType::BFloat16 ? Bars{0.999, 0.999, 0.003} : Bars{0.99, 0.999, 0.005};
}

bool cpu_has(const std::vector<std::string>& any_of) {
  const auto& f = ops::cpu::cpu_features();
  for (const auto& name : any_of)
    if (std::find(f.begin(), f.end(), name) != f.end()) return true;
  return false;
}

std::vector<std::string> instructions_for(DType dtype) {
  return dtype == DType::BFloat16 ? std::vector<std::string>{"AVX512-BF16", "AMX-BF16"}
                                  : std::vector<std::string>{"AVX512-VNNI", "AMX-INT8"};
}

// The model in `dtype`, or nullptr after checking that this CPU refuses it rightly.
std::shared_ptr<Model> load_or_check_refusal(const std::filesystem::path& dir, DType dtype) {
  LoadOptions options;
  options.dtype = dtype;
  try {
    return Model::load(dir, options);
  } catch (const Error& e) {
    const std::string message = e.what();
    const auto needed = instructions_for(dtype);
    EXPECT_NE(message.find(needed[0]), std::string::npos) << message;
    EXPECT_FALSE(cpu_has(needed)) << "refused on a CPU that has the instructions: " << message;
    std::printf("dtype %s refused on this CPU: %s\n", std::string(to_string(dtype)).c_str(),
                message.c_str());
    return nullptr;
  }
}

void check_quality(const std::filesystem::path& dir, const std::string& golden_npy,
                   const std::string& reference_json, DType dtype) {
  auto model = load_or_check_refusal(dir, dtype);
  if (!model) return;
  EXPECT_EQ(model->info().dtype, dtype);
  const StsTest sts = read_sts_test();
  const Matrix golden = testing::read_npy_f32(std::string(SEMBED_SOURCE_DIR) + golden_npy);
  const Matrix got = model->encode(sts.sentences);
  ASSERT_EQ(got.rows, golden.rows);
  ASSERT_EQ(got.cols, golden.cols);
  std::vector<double> cos(got.rows);
  for (size_t i = 0; i < got.rows; ++i) cos[i] = cosine(got.row(i), golden.row(i), got.cols);
  std::vector<double> sorted = cos;
  std::sort(sorted.begin(), sorted.end());
  const double median = sorted[sorted.size() / 2];
  std::vector<double> scores;
  for (size_t p = 0; p < sts.gold.size(); ++p)
    scores.push_back(cosine(got.row(2 * p), got.row(2 * p + 1), got.cols));
  std::ifstream in(std::string(SEMBED_SOURCE_DIR) + reference_json);
  const double theirs = nlohmann::json::parse(in)["sts_test_spearman_cosine"];
  const double ours = spearman(scores, sts.gold);
  const Bars bar = bars_for(dtype);
  std::printf(
      "%s %s (%s): cosine to sentence-transformers min %.6f median %.6f; Spearman %.6f "
      "vs %.6f (delta %+.6f)\n",
      dir.filename().c_str(), std::string(to_string(dtype)).c_str(),
      model->info().matmul_kernel.c_str(), sorted.front(), median, ours, theirs, ours - theirs);
  EXPECT_GE(sorted.front(), bar.min_cosine);
  EXPECT_GE(median, bar.median_cosine);
  EXPECT_LE(std::abs(ours - theirs), bar.spearman_delta);

  // Batch invariance: a few sentences alone give the bits they got in the batch of all.
  for (size_t i : {size_t{0}, size_t{17}, got.rows - 1}) {
    const Matrix alone = model->encode({sts.sentences[i]});
    EXPECT_EQ(0, std::memcmp(alone.row(0), got.row(i), sizeof(float) * got.cols))
        << "sentence " << i << " differs alone";
  }
}

std::filesystem::path minilm_dir() { return resolve_model_dir(std::nullopt); }

TEST(PrecisionQuality, MiniLmBf16MeetsTheBars) {
  check_quality(minilm_dir(), "/tests/golden/minilm_sts_test.npy",
                "/tests/golden/minilm_reference.json", DType::BFloat16);
}

TEST(PrecisionQuality, MiniLmInt8MeetsTheBars) {
  check_quality(minilm_dir(), "/tests/golden/minilm_sts_test.npy",
                "/tests/golden/minilm_reference.json", DType::Int8);
}

TEST(PrecisionQuality, MpnetBf16MeetsTheBars) {
  check_quality(testing::mpnet_dir(), "/tests/golden/mpnet_sts_test.npy",
                "/tests/golden/mpnet_reference.json", DType::BFloat16);
}

TEST(PrecisionQuality, MpnetInt8MeetsTheBars) {
  check_quality(testing::mpnet_dir(), "/tests/golden/mpnet_sts_test.npy",
                "/tests/golden/mpnet_reference.json", DType::Int8);
}

TEST(PrecisionQuality, Int8LoadsTheSameWeightsEveryTime) {
  // Calibration is on fixed text: two loads give the same numbers.
  auto a = load_or_check_refusal(minilm_dir(), DType::Int8);
  if (!a) return;
  auto b = load_or_check_refusal(minilm_dir(), DType::Int8);
  const std::vector<std::string> texts = {"A man is eating food.", "It rains in the city."};
  const Matrix x = a->encode(texts), y = b->encode(texts);
  EXPECT_EQ(0, std::memcmp(x.data.data(), y.data.data(), sizeof(float) * x.data.size()));
}

TEST(PrecisionQuality, InfoNamesTheDtypeAndTheWeightBytes) {
  auto fp32 = Model::load(minilm_dir());
  EXPECT_EQ(fp32->info().dtype, DType::Float32);
  EXPECT_FALSE(fp32->info().cpu_features.empty());
  const double fp32_bytes = static_cast<double>(fp32->info().matmul_weight_bytes);
  EXPECT_GT(fp32_bytes, 4.0 * 6 * (4 * 384 * 384 + 2 * 384 * 1536) * 0.99);
  for (DType d : {DType::BFloat16, DType::Int8}) {
    auto m = load_or_check_refusal(minilm_dir(), d);
    if (!m) continue;
    const double ratio = static_cast<double>(m->info().matmul_weight_bytes) / fp32_bytes;
    std::printf("%s matmul weights: %zu bytes, %.3f of float32's %zu\n",
                std::string(to_string(d)).c_str(), m->info().matmul_weight_bytes, ratio,
                fp32->info().matmul_weight_bytes);
    // int8: a quarter, plus the first layer's MLP output projection kept in fp32
    // (encoder_weights.cpp): 0.29 for this model's 6 layers.
    if (d == DType::BFloat16)
      EXPECT_NEAR(ratio, 0.5, 0.01);
    else
      EXPECT_NEAR(ratio, 0.25 + 3.0 * 384 * 1536 / (4.0 * 6 * (4 * 384 * 384 + 2 * 384 * 1536)),
                  0.01);
  }
}

TEST(PrecisionQuality, AutoRunsInt8WhereItIsNativeAndFloat32Elsewhere) {
  EXPECT_EQ(parse_dtype("auto"), DType::Auto);
  EXPECT_EQ(resolve_dtype(DType::BFloat16), DType::BFloat16);  // only Auto is resolved
  // Int8 exactly where an explicit int8 load succeeds, so Auto never ends in a refusal.
  const bool int8_loads = load_or_check_refusal(minilm_dir(), DType::Int8) != nullptr;
  const DType expected = int8_loads ? DType::Int8 : DType::Float32;
  EXPECT_EQ(resolve_dtype(DType::Auto), expected);
  LoadOptions options;
  options.dtype = DType::Auto;
  auto model = Model::load(minilm_dir(), options);
  EXPECT_EQ(model->info().dtype, expected);  // the resolved dtype, never Auto
  // The same numbers as loading the resolved dtype by name.
  LoadOptions explicit_options;
  explicit_options.dtype = expected;
  auto named = Model::load(minilm_dir(), explicit_options);
  const std::vector<std::string> texts = {"A man is eating food.", "It rains in the city."};
  const Matrix x = model->encode(texts), y = named->encode(texts);
  EXPECT_EQ(0, std::memcmp(x.data.data(), y.data.data(), sizeof(float) * x.data.size()));
}

}  // namespace
}  // namespace sembed
