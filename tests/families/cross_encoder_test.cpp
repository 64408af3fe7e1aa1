// Cross-encoders of every family against sentence-transformers' CrossEncoder, on the
// random-weight fixtures of scripts/make_cross_encoder_fixtures.py
// (tests/fixtures/cross_encoders/*): predict with the model's activation, raw logits and softmax,
// pairs cut longest_first on either or both sides, and rank. Bar: max |delta| <= 1e-5. Also a
// pair's scores are bit-identical alone, in any batch and with any thread count, and the
// directory kinds are told apart (an embedding model is not a cross-encoder and vice versa).
#include <gtest/gtest.h>

#include <sembed/cross_encoder.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "fixture_files.hpp"

namespace sembed {
namespace {

namespace fs = std::filesystem;

const fs::path kRoot = fs::path(SEMBED_SOURCE_DIR) / "tests/fixtures/cross_encoders";

std::vector<std::string> fixture_names() { return testing_fixtures::fixture_names(kRoot); }
nlohmann::json read_reference(const std::string& name) {
  return testing_fixtures::read_reference(kRoot, name);
}

std::vector<std::pair<std::string, std::string>> pairs_of(const nlohmann::json& ref) {
  std::vector<std::pair<std::string, std::string>> pairs;
  for (const auto& p : ref["pairs"]) pairs.emplace_back(p[0].get<std::string>(), p[1].get<std::string>());
  return pairs;
}

std::string many_words(size_t n) {
  std::string s;
  for (size_t i = 0; i < n; ++i) s += "word ";
  return s;
}

class CrossEncoderFixture : public ::testing::TestWithParam<std::string> {};

TEST_P(CrossEncoderFixture, PredictMatchesSentenceTransformers) {
  const auto ref = read_reference(GetParam());
  const auto pairs = pairs_of(ref);
  auto ce = CrossEncoder::load(kRoot / GetParam(), LoadOptions{2});
  EXPECT_EQ(ce->max_seq_length(), ref["max_length"].get<size_t>());
  ASSERT_EQ(ce->num_labels(), ref["num_labels"].get<size_t>());
  for (const auto& c : ref["cases"]) {
    PredictOptions opt;
    opt.apply_activation = c["activation"] == "default";
    opt.apply_softmax = c["apply_softmax"].get<bool>();
    opt.batch_size = 4;
    const std::string label = "activation " + c["activation"].get<std::string>() +
                              (opt.apply_softmax ? ", softmax" : "");
    const auto expected = c["scores"].get<std::vector<std::vector<float>>>();
    const Matrix got = ce->predict(pairs, opt);
    ASSERT_EQ(got.rows, expected.size()) << label;
    ASSERT_EQ(got.cols, expected[0].size()) << label;
    double worst = 0;
    for (size_t i = 0; i < got.rows; ++i)
      for (size_t j = 0; j < got.cols; ++j) {
        const double d = std::abs(static_cast<double>(got.at(i, j)) - expected[i][j]);
        worst = std::max(worst, d);
        EXPECT_LE(d, 1e-5) << GetParam() << " " << label << " pair " << i << " label " << j
                           << ": sembed " << got.at(i, j) << ", sentence-transformers "
                           << expected[i][j];
      }
    if (std::getenv("SEMBED_PRINT_BOUNDS"))
      std::printf("BOUND cross-encoder %s %s max_abs_delta %.3g\n", GetParam().c_str(),
                  label.c_str(), worst);
  }
}

TEST_P(CrossEncoderFixture, RankMatchesSentenceTransformers) {
  const auto ref = read_reference(GetParam());
  auto ce = CrossEncoder::load(kRoot / GetParam(), LoadOptions{2});
  if (!ref.contains("rank")) {
    EXPECT_THROW(ce->rank("q", {"a", "b"}), Error) << "rank needs one label";
    return;
  }
  const auto& r = ref["rank"];
  const auto docs = r["documents"].get<std::vector<std::string>>();
  const auto ranked = ce->rank(r["query"].get<std::string>(), docs);
  ASSERT_EQ(ranked.size(), r["results"].size());
  for (size_t i = 0; i < ranked.size(); ++i) {
    EXPECT_EQ(ranked[i].corpus_id, r["results"][i]["corpus_id"].get<size_t>()) << "rank " << i;
    EXPECT_NEAR(ranked[i].score, r["results"][i]["score"].get<double>(), 1e-5) << "rank " << i;
  }
  const auto top2 = ce->rank(r["query"].get<std::string>(), docs, 2);
  ASSERT_EQ(top2.size(), 2u);
  EXPECT_EQ(top2[0].corpus_id, ranked[0].corpus_id);
  EXPECT_EQ(top2[1].corpus_id, ranked[1].corpus_id);
}

// A pair's scores do not depend on its batch or on the thread count (packed batches, batch-
// invariant matmuls), as for embeddings.
TEST_P(CrossEncoderFixture, ScoresAreBatchAndThreadInvariant) {
  const auto ref = read_reference(GetParam());
  const auto pairs = pairs_of(ref);
  auto two = CrossEncoder::load(kRoot / GetParam(), LoadOptions{2});
  auto one = CrossEncoder::load(kRoot / GetParam(), LoadOptions{1});
  PredictOptions all;
  all.batch_size = 64;
  const Matrix batched = two->predict(pairs, all);
  const Matrix single_thread = one->predict(pairs, all);
  for (size_t i = 0; i < pairs.size(); ++i) {
    const Matrix alone = two->predict({pairs[i]});
    for (size_t j = 0; j < batched.cols; ++j) {
      EXPECT_EQ(alone.at(0, j), batched.at(i, j)) << "pair " << i;
      EXPECT_EQ(single_thread.at(i, j), batched.at(i, j)) << "pair " << i;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Fixtures, CrossEncoderFixture, ::testing::ValuesIn(fixture_names()),
                         [](const auto& info) {
                           std::string n = info.param;
                           std::replace(n.begin(), n.end(), '-', '_');
                           return n;
                         });

TEST(CrossEncoder, ReadsLabelsAndActivation) {
  auto nli = CrossEncoder::load(kRoot / "bert-nli");
  EXPECT_EQ(nli->info().labels,
            (std::vector<std::string>{"contradiction", "entailment", "neutral"}));
  EXPECT_EQ(nli->info().activation, "Identity");
  auto bert = CrossEncoder::load(kRoot / "bert");
  EXPECT_EQ(bert->info().activation, "Sigmoid");
  EXPECT_EQ(bert->info().labels, (std::vector<std::string>{"LABEL_0"}));
  auto legacy = CrossEncoder::load(kRoot / "bert-legacy");  // config.json's old field
  EXPECT_EQ(legacy->info().activation, "Identity");
  const auto mean = CrossEncoder::load(kRoot / "modernbert-mean");
  EXPECT_EQ(mean->info().pooling, PoolingMode::Mean);
}

TEST(CrossEncoder, TokenizesPairsWithSecondTextTypeIds) {
  auto ce = CrossEncoder::load(kRoot / "bert");
  const auto t = ce->tokenize("a man", "the guitar");
  ASSERT_EQ(t.tokens.size(), 7u);
  EXPECT_EQ(t.tokens.front(), "[CLS]");
  EXPECT_EQ(t.tokens[3], "[SEP]");
  EXPECT_EQ(t.type_ids, (std::vector<int32_t>{0, 0, 0, 0, 1, 1, 1}));
  EXPECT_EQ(ce->tokenize(many_words(500), "c d e f", 10).ids.size(), 10u);
  EXPECT_THROW(ce->tokenize(many_words(500), "c", 10, false), Error);
}

TEST(CrossEncoder, DirectoryKindsAreToldApart) {
  const fs::path embedding = fs::path(SEMBED_SOURCE_DIR) / "tests/fixtures/families/bert-dense";
  try {
    CrossEncoder::load(embedding);
    FAIL() << "an embedding model loaded as a cross-encoder";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("is not a cross-encoder"), std::string::npos) << e.what();
  }
  try {
    Model::load(kRoot / "bert");
    FAIL() << "a sentence-transformers CrossEncoder loaded as an embedding model";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("is a cross-encoder"), std::string::npos) << e.what();
  }
  // A plain transformers classifier (no modules.json) is both, as in sentence-transformers.
  EXPECT_NO_THROW(Model::load(kRoot / "bert-legacy"));
}

TEST(CrossEncoder, ErrorsNameTheProblem) {
  auto ce = CrossEncoder::load(kRoot / "bert");
  PredictOptions strict;
  strict.truncate = false;
  try {
    ce->predict({{"a", "b"}, {many_words(300), "w"}}, strict);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("pair 1"), std::string::npos) << e.what();
  }
  EXPECT_THROW(ce->predict({{"\xff", "b"}}), Error);
  PredictOptions too_long;
  too_long.max_length = 10000;
  EXPECT_THROW(ce->predict({{"a", "b"}}, too_long), Error);
  EXPECT_EQ(ce->predict({}).rows, 0u);
}

}  // namespace
}  // namespace sembed
