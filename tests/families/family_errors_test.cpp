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
  const auto b =
      load_error("mpnet", "config.json", [](auto& j) { j["relative_attention_num_buckets"] = 40; });
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
      load_error("roberta-prompts", "config.json", [](auto& j) { j["hidden_act"] = "gelu_new"; });
  EXPECT_HAS(e, "hidden_act");
  EXPECT_HAS(e, "gelu_new");
}

TEST(FamilyErrors, FixturesLoadUnedited) {
  EXPECT_EQ(load_error("roberta-prompts", "", nullptr), "");
  EXPECT_EQ(load_error("nomic-bert-original", "", nullptr), "");
  EXPECT_EQ(load_error("modernbert", "", nullptr), "");
}

// Rotary options that would change every angle are refused by name, never approximated.
TEST(FamilyErrors, ScaledRopeIsRefusedByName) {
  auto e = load_error("modernbert", "config.json", [](auto& j) {
    j["rope_parameters"]["sliding_attention"] = {{"rope_type", "yarn"}, {"factor", 4.0}};
  });
  EXPECT_HAS(e, "rope_parameters.sliding_attention.rope_type 'yarn'");
  e = load_error("nomic-bert", "config.json",
                 [](auto& j) { j["rope_parameters"]["factor"] = 2.0; });
  EXPECT_HAS(e, "rope_parameters.factor");
  e = load_error("nomic-bert-original", "config.json",
                 [](auto& j) { j["rotary_scaling_factor"] = 2.0; });
  EXPECT_HAS(e, "rotary_scaling_factor");
}

TEST(FamilyErrors, NomicOriginalOptionsAreRefusedByName) {
  auto e = load_error("nomic-bert-original", "config.json",
                      [](auto& j) { j["rotary_emb_interleaved"] = true; });
  EXPECT_HAS(e, "rotary_emb_interleaved true");
  e = load_error("nomic-bert-original", "config.json",
                 [](auto& j) { j["rotary_emb_fraction"] = 0.5; });
  EXPECT_HAS(e, "rotary_emb_fraction 0.5");
  e = load_error("nomic-bert-original", "config.json", [](auto& j) { j["prenorm"] = true; });
  EXPECT_HAS(e, "prenorm true");
  e = load_error("nomic-bert-original", "config.json",
                 [](auto& j) { j["activation_function"] = "gelu"; });
  EXPECT_HAS(e, "activation_function 'gelu'");
}

TEST(FamilyErrors, ModernBertLayerTypesAndActivationAreChecked) {
  auto e = load_error("modernbert", "config.json",
                      [](auto& j) { j["layer_types"][1] = "chunked_attention"; });
  EXPECT_HAS(e, "layer_types[1]");
  EXPECT_HAS(e, "chunked_attention");
  e = load_error("modernbert", "config.json",
                 [](auto& j) { j["layer_types"].erase(j["layer_types"].size() - 1); });
  EXPECT_HAS(e, "one type per layer");
  e = load_error("modernbert", "config.json",
                 [](auto& j) { j["hidden_activation"] = "gelu_pytorch_tanh"; });
  EXPECT_HAS(e, "hidden_activation");
  EXPECT_HAS(e, "gelu_pytorch_tanh");
}

// Rotary families have no position table, but their positions still end: a text longer than
// the model allows is an error naming the input and its length, never a silent overrun.
TEST(FamilyErrors, RotaryModelRefusesTextsBeyondItsPositions) {
  auto model = Model::load(kRoot / "modernbert", LoadOptions{1});
  std::string long_text;
  for (int i = 0; i < 400; ++i) long_text += "word ";
  EncodeOptions opt;
  opt.truncate = false;
  try {
    model->encode({"short", long_text}, opt);
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_HAS(e.what(), "input 1");
    EXPECT_HAS(e.what(), "tokens long, more than max_length 300");
  }
  opt.max_length = 400;
  try {
    model->encode({"short"}, opt);
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_HAS(e.what(), "exceeds the 320 tokens");
  }
}

// The original "new" config's options that change the numbers are refused by name.
TEST(FamilyErrors, GteScalingOptionsAreRefusedByName) {
  auto e = load_error("gte-en", "config.json", [](auto& j) {
    j["rope_scaling"] = {{"type", "ntk"}, {"factor", 2.0}};
  });
  EXPECT_HAS(e, "rope_scaling");
  EXPECT_HAS(e, "ntk");
  e = load_error("gte-en", "config.json", [](auto& j) { j["logn_attention_scale"] = true; });
  EXPECT_HAS(e, "logn_attention_scale true");
  e = load_error("gte-multilingual", "config.json",
                 [](auto& j) { j["position_embedding_type"] = "absolute"; });
  EXPECT_HAS(e, "position_embedding_type 'absolute'");
  // The original model_type reads the same way.
  EXPECT_EQ(load_error("gte-en", "config.json", [](auto& j) { j["model_type"] = "new"; }), "");
}

// A bias the config does not announce is an unexpected tensor, named.
TEST(FamilyErrors, ModernBertBiasFlagMustMatchTheWeights) {
  const auto e =
      load_error("modernbert-biases", "config.json", [](auto& j) { j["mlp_bias"] = false; });
  EXPECT_HAS(e, "unexpected tensor 'layers.");
  EXPECT_HAS(e, ".mlp.W");
}

}  // namespace
}  // namespace sembed
