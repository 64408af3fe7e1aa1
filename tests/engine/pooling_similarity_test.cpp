// Pooling modes, normalization, similarity metrics and semantic search against
// sentence-transformers' own outputs on fixed random inputs (tests/golden/pooling_similarity.json,
// made by scripts/make_pooling_similarity_golden.py).
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include <sembed/sembed.hpp>

#include "pooling/pooling.hpp"

namespace sembed {
namespace {

nlohmann::json golden() {
  std::ifstream in(std::string(SEMBED_SOURCE_DIR) + "/tests/golden/pooling_similarity.json");
  return nlohmann::json::parse(in);
}

Matrix to_matrix(const nlohmann::json& rows) {
  Matrix m(rows.size(), rows[0].size());
  for (size_t i = 0; i < m.rows; ++i)
    for (size_t j = 0; j < m.cols; ++j) m.at(i, j) = rows[i][j].get<float>();
  return m;
}

TEST(Pooling, EveryModeMatchesSentenceTransformers) {
  const auto g = golden();
  const size_t hidden = g["hidden"];
  for (const auto& [name, expected] : g["pooled"].items()) {
    const PoolingMode mode = parse_pooling_mode(name);
    for (size_t s = 0; s < g["tokens"].size(); ++s) {
      const Matrix tokens = to_matrix(g["tokens"][s]);
      std::vector<float> out(hidden);
      pooling::pool(mode, tokens.data.data(), tokens.rows, hidden, out.data());
      for (size_t j = 0; j < hidden; ++j)
        EXPECT_NEAR(out[j], expected[s][j].get<float>(), 1e-6) << name << " seq " << s << " dim " << j;
    }
  }
}

TEST(Pooling, NormalizeMatchesTorch) {
  const auto g = golden();
  const Matrix mean = to_matrix(g["pooled"]["mean"]);
  const Matrix expected = to_matrix(g["normalized_mean"]);
  for (size_t i = 0; i < mean.rows; ++i) {
    std::vector<float> v(mean.row(i), mean.row(i) + mean.cols);
    pooling::l2_normalize(v.data(), v.size());
    for (size_t j = 0; j < v.size(); ++j) EXPECT_NEAR(v[j], expected.at(i, j), 1e-7);
  }
}

TEST(Similarity, EveryMetricMatchesSentenceTransformersUtil) {
  const auto g = golden();
  const Matrix a = to_matrix(g["a"]), b = to_matrix(g["b"]);
  for (const auto& [name, expected] : g["similarity"].items()) {
    const Matrix got = similarity(a, b, parse_similarity_metric(name));
    ASSERT_EQ(got.rows, a.rows);
    ASSERT_EQ(got.cols, b.rows);
    for (size_t i = 0; i < got.rows; ++i)
      for (size_t j = 0; j < got.cols; ++j)
        EXPECT_NEAR(got.at(i, j), expected[i][j].get<float>(), 1e-5) << name;
  }
}

TEST(Similarity, DimensionMismatchIsAnError) {
  EXPECT_THROW(similarity(Matrix(1, 3), Matrix(1, 4), SimilarityMetric::Cosine), Error);
}

TEST(SemanticSearch, MatchesUtilSemanticSearch) {
  const auto g = golden();
  const Matrix a = to_matrix(g["a"]), b = to_matrix(g["b"]);
  const auto hits = semantic_search(a, b, 4);
  const auto& expected = g["semantic_search_top4"];
  ASSERT_EQ(hits.size(), expected.size());
  for (size_t q = 0; q < hits.size(); ++q) {
    ASSERT_EQ(hits[q].size(), expected[q].size());
    for (size_t r = 0; r < hits[q].size(); ++r) {
      EXPECT_NEAR(hits[q][r].score, expected[q][r][1].get<float>(), 1e-5);
      // Tied scores (rows 1 and 3 of b are equal) may come in either order from torch.topk.
      const size_t want = expected[q][r][0];
      const bool tie = (want == 1 || want == 3) && (hits[q][r].corpus_id == 1 || hits[q][r].corpus_id == 3);
      EXPECT_TRUE(hits[q][r].corpus_id == want || tie) << "query " << q << " rank " << r;
    }
  }
}

TEST(SemanticSearch, TopKLargerThanCorpusReturnsWholeCorpus) {
  const auto g = golden();
  const auto hits = semantic_search(to_matrix(g["a"]), to_matrix(g["b"]), 100);
  EXPECT_EQ(hits[0].size(), 9u);
}

TEST(Types, UnknownNamesAreErrorsThatNameThem) {
  try {
    parse_pooling_mode("median");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("median"), std::string::npos);
  }
  EXPECT_THROW(parse_similarity_metric("jaccard"), Error);
}

}  // namespace
}  // namespace sembed
