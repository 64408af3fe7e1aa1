// Every model family and module combination against sentence-transformers, on the random-weight
// fixtures of scripts/make_family_fixtures.py (tests/fixtures/families/*): each pooling mode,
// each prompt (and an explicit prompt, and none), texts at and beyond max_seq_length. Bars:
// min cosine >= 0.99999 and max |delta| <= 1e-5 relative to the largest value. Also, per family:
// a text's embedding is bit-identical alone, in any batch and with any thread count.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sembed/sembed.hpp>

#include "fixture_files.hpp"

namespace sembed {
namespace {

namespace fs = std::filesystem;

const fs::path kRoot = fs::path(SEMBED_SOURCE_DIR) / "tests/fixtures/families";

std::vector<std::string> fixture_names() { return testing_fixtures::fixture_names(kRoot); }
nlohmann::json read_reference(const std::string& name) {
  return testing_fixtures::read_reference(kRoot, name);
}

class FamilyFixture : public ::testing::TestWithParam<std::string> {};

TEST_P(FamilyFixture, MatchesSentenceTransformers) {
  const auto ref = read_reference(GetParam());
  const auto texts = ref["texts"].get<std::vector<std::string>>();
  auto model = Model::load(kRoot / GetParam(), LoadOptions{2});
  EXPECT_EQ(model->max_seq_length(), ref["max_seq_length"].get<size_t>());
  for (const auto& c : ref["cases"]) {
    EncodeOptions opt;
    std::string label =
        "pooling " + (c["pooling"].is_null() ? "default" : c["pooling"].get<std::string>());
    if (!c["pooling"].is_null()) opt.pooling = parse_pooling_mode(c["pooling"].get<std::string>());
    if (!c["prompt_name"].is_null()) {
      opt.prompt_name = c["prompt_name"].get<std::string>();
      label += ", prompt_name " + *opt.prompt_name;
    }
    if (!c["prompt"].is_null()) {
      opt.prompt = c["prompt"].get<std::string>();
      label += ", prompt '" + *opt.prompt + "'";
    }
    const auto expected = c["embeddings"].get<std::vector<std::vector<float>>>();
    const Matrix got = model->encode(texts, opt);
    ASSERT_EQ(got.rows, expected.size()) << label;
    ASSERT_EQ(got.cols, expected[0].size()) << label;
    double largest = 0, worst_delta = 0, min_cos = 1;
    for (size_t i = 0; i < got.rows; ++i) {
      double dot = 0, na = 0, nb = 0;
      for (size_t j = 0; j < got.cols; ++j) {
        const double a = got.at(i, j), b = expected[i][j];
        largest = std::max(largest, std::abs(b));
        worst_delta = std::max(worst_delta, std::abs(a - b));
        dot += a * b;
        na += a * a;
        nb += b * b;
      }
      // Two zero vectors (an all-prompt text with mean pooling) agree: cosine 1.
      const double cos = (na == 0 && nb == 0) ? 1.0 : dot / std::sqrt(na * nb);
      min_cos = std::min(min_cos, cos);
    }
    // SEMBED_PRINT_BOUNDS=1: print the measured figures (docs/testing.md quotes them).
    if (std::getenv("SEMBED_PRINT_BOUNDS"))
      std::printf("BOUND %s %s min_cos %.9f max_rel_delta %.3g\n", GetParam().c_str(),
                  label.c_str(), min_cos, worst_delta / largest);
    EXPECT_GE(min_cos, 0.99999) << GetParam() << ": " << label;
    EXPECT_LE(worst_delta, 1e-5 * largest) << GetParam() << ": " << label;
  }
}

TEST_P(FamilyFixture, BatchingAndThreadsNeverChangeAVector) {
  const auto texts = read_reference(GetParam())["texts"].get<std::vector<std::string>>();
  auto one_thread = Model::load(kRoot / GetParam(), LoadOptions{1});
  auto two_threads = Model::load(kRoot / GetParam(), LoadOptions{2});
  EncodeOptions all;
  all.batch_size = texts.size();
  const Matrix batched = one_thread->encode(texts, all);
  for (const auto* m : {one_thread.get(), two_threads.get()}) {
    for (size_t i = 0; i < texts.size(); ++i) {
      const Matrix alone = m->encode({texts[i]});
      EXPECT_EQ(0, std::memcmp(alone.row(0), batched.row(i), batched.cols * sizeof(float)))
          << GetParam() << " text " << i;
    }
    EncodeOptions pairs;
    pairs.batch_size = 3;  // other companions, other order
    std::vector<std::string> reversed(texts.rbegin(), texts.rend());
    const Matrix r = m->encode(reversed, pairs);
    for (size_t i = 0; i < texts.size(); ++i)
      EXPECT_EQ(
          0, std::memcmp(r.row(texts.size() - 1 - i), batched.row(i), batched.cols * sizeof(float)))
          << GetParam() << " text " << i;
  }
}

// The server tokenizes prompt + text itself and batches sequences with different prompts:
// encode_ids with each sequence's prompt length pools exactly as encode() with that prompt
// (roberta-prompts has include_prompt false, so the lengths matter).
TEST(FamilyPrompts, EncodeIdsWithPromptTokensEqualsEncodeWithThePrompt) {
  const auto texts = read_reference("roberta-prompts")["texts"].get<std::vector<std::string>>();
  auto model = Model::load(kRoot / "roberta-prompts", LoadOptions{1});
  ASSERT_FALSE(model->info().pooling_include_prompt);
  const std::vector<std::string> prompts = {"query: ", "passage: ", "", "task: "};
  std::vector<std::vector<int32_t>> ids;
  std::vector<size_t> prompt_tokens;
  for (size_t i = 0; i < texts.size(); ++i) {
    const std::string& prompt = prompts[i % prompts.size()];
    ids.push_back(model->tokenize(prompt + texts[i]).ids);
    prompt_tokens.push_back(model->prompt_length(prompt));
  }
  EXPECT_EQ(model->prompt_length(""), 0u);
  EXPECT_GT(model->prompt_length("query: "), 1u);
  const Matrix mixed = model->encode_ids(ids, prompt_tokens);
  for (size_t i = 0; i < texts.size(); ++i) {
    EncodeOptions opt;
    opt.prompt = prompts[i % prompts.size()];
    const Matrix want = model->encode({texts[i]}, opt);
    EXPECT_EQ(0, std::memcmp(want.row(0), mixed.row(i), want.cols * sizeof(float))) << i;
  }
  // Without the counts the prompts are pooled: other vectors.
  const Matrix pooled_all = model->encode_ids(ids);
  EXPECT_NE(0, std::memcmp(pooled_all.row(0), mixed.row(0), mixed.cols * sizeof(float)));
  EXPECT_THROW(model->encode_ids(ids, std::vector<size_t>{1, 2}), Error);
}

TEST_P(FamilyFixture, InfoNamesFamilyModulesAndPrompts) {
  auto model = Model::load(kRoot / GetParam(), LoadOptions{1});
  const ModelInfo& info = model->info();
  EXPECT_FALSE(info.family.empty());
  ASSERT_FALSE(info.modules.empty());
  EXPECT_EQ(info.modules.front().rfind("Pooling (", 0), 0u);
}

INSTANTIATE_TEST_SUITE_P(AllFixtures, FamilyFixture, ::testing::ValuesIn(fixture_names()),
                         [](const auto& info) {
                           std::string n = info.param;
                           std::replace(n.begin(), n.end(), '-', '_');
                           return n;
                         });

}  // namespace
}  // namespace sembed
