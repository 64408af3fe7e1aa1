// Bad model directories are refused with an Error naming the file, tensor or field at fault:
// an unknown model_type (listing the supported ones), missing or mis-shaped weights, a Dense
// whose size does not fit, an unknown Dense activation, an unknown prompt name, a default prompt
// name that is not among the prompts. Each case edits a copy of a committed fixture.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <sembed/sembed.hpp>

#include "../loader/test_util.hpp"

namespace sembed {
namespace {

namespace fs = std::filesystem;
using loader::testing::TempDir;

const fs::path kRoot = fs::path(SEMBED_SOURCE_DIR) / "tests/fixtures/families";

// Copies fixture `name` into a temp dir, applies edit(json) to file `rel`, and returns the error
// Model::load throws (empty when it loads).
std::string load_error(const std::string& name, const std::string& rel,
                       const std::function<void(nlohmann::json&)>& edit) {
  TempDir tmp;
  const fs::path dir = tmp / name;
  fs::copy(kRoot / name, dir, fs::copy_options::recursive);
  if (!rel.empty()) {
    nlohmann::json j;
    {
      std::ifstream in(dir / rel);
      j = nlohmann::json::parse(in);
    }
    edit(j);
    std::ofstream(dir / rel) << j.dump(2);
  }
  try {
    Model::load(dir, LoadOptions{1});
  } catch (const Error& e) {
    return e.what();
  }
  return {};
}

#define EXPECT_HAS(haystack, needle) \
  EXPECT_NE(std::string(haystack).find(needle), std::string::npos) << haystack

TEST(FamilyErrors, UnknownModelTypeListsTheSupportedOnes) {
  const auto e = load_error("mpnet", "config.json", [](auto& j) { j["model_type"] = "gpt2"; });
  EXPECT_HAS(e, "config.json");
  EXPECT_HAS(e, "'gpt2'");
  EXPECT_HAS(e, "bert, roberta, xlm-roberta, camembert, mpnet, distilbert");
}

TEST(FamilyErrors, MissingWeightIsNamed) {
  const auto e = load_error("distilbert", "config.json", [](auto& j) { j["n_layers"] = 3; });
  EXPECT_HAS(e, "transformer.layer.2.attention.q_lin.weight");
}

TEST(FamilyErrors, MisShapedWeightIsNamedWithBothShapes) {
  const auto e = load_error("mpnet", "config.json", [](auto& j) { j["intermediate_size"] = 81; });
  EXPECT_HAS(e, "encoder.layer.0.intermediate.dense.weight");
  EXPECT_HAS(e, "[81, 48]");
  EXPECT_HAS(e, "[80, 48]");
  const auto b = load_error("mpnet", "config.json",
                            [](auto& j) { j["relative_attention_num_buckets"] = 40; });
  EXPECT_HAS(b, "encoder.relative_attention_bias.weight");
}

TEST(FamilyErrors, DenseThatDoesNotFitIsNamed) {
  const auto e =
      load_error("bert-dense", "2_Dense/config.json", [](auto& j) { j["in_features"] = 35; });
  EXPECT_HAS(e, "2_Dense/config.json");
  EXPECT_HAS(e, "in_features 35");
  const auto w =
      load_error("bert-dense", "2_Dense/config.json", [](auto& j) { j["out_features"] = 21; });
  EXPECT_HAS(w, "linear.weight");
  EXPECT_HAS(w, "2_Dense");
}

TEST(FamilyErrors, UnknownDenseActivationIsNamed) {
  const auto e = load_error("bert-dense", "2_Dense/config.json", [](auto& j) {
    j["activation_function"] = "torch.nn.modules.activation.Softsign";
  });
  EXPECT_HAS(e, "activation_function");
  EXPECT_HAS(e, "Softsign");
  EXPECT_HAS(e, "Identity, Tanh, ReLU, GELU, Sigmoid, SiLU");
}

TEST(FamilyErrors, UnknownPromptNameListsThePrompts) {
  auto model = Model::load(kRoot / "roberta-prompts", LoadOptions{1});
  EncodeOptions opt;
  opt.prompt_name = "nope";
  try {
    model->encode({"x"}, opt);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_HAS(e.what(), "'nope'");
    EXPECT_HAS(e.what(), "document, passage, query");
  }
}

TEST(FamilyErrors, DefaultPromptNameMustBeAPrompt) {
  const auto e = load_error("roberta-prompts", "config_sentence_transformers.json",
                            [](auto& j) { j["default_prompt_name"] = "missing"; });
  EXPECT_HAS(e, "config_sentence_transformers.json");
  EXPECT_HAS(e, "default_prompt_name 'missing'");
}

TEST(FamilyErrors, UnknownHiddenActIsRefusedByName) {
  const auto e =
      load_error("roberta-prompts", "config.json", [](auto& j) { j["hidden_act"] = "swish"; });
  EXPECT_HAS(e, "hidden_act");
  EXPECT_HAS(e, "swish");
}

TEST(FamilyErrors, FixturesLoadUnedited) {
  EXPECT_EQ(load_error("roberta-prompts", "", nullptr), "");
}

}  // namespace
}  // namespace sembed
