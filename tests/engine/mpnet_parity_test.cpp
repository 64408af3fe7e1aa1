// End-to-end parity with sentence-transformers on the real all-mpnet-base-v2 (MPNet, fetched by
// scripts/fetch_mpnet_model.sh): every STS-B test sentence, the STS-B Spearman correlation, the
// seed document's sentences and a few edge texts (empty, past max_seq_length, a literal <pad>).
// Golden files come from scripts/make_mpnet_golden.py.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <numeric>
#include <sembed/sembed.hpp>
#include <sstream>

#include "npy_reader.hpp"

namespace sembed {
namespace {

const std::vector<std::string> kSeedSentences = {
    "Today's consumers want options that help them take control of their financial lives on the "
    "go. CardValet from Fiserv is a mobile app that allows financial institutions to deliver the "
    "experiences consumers expect by enabling them to define when, where and how their cards are "
    "used.",
    "Consumer’s want options that let them take control of their financial lives on the go. "
    "CardValet from Fiserv is a mobile app that helps banks deliver consumer experiences by "
    "enabling them to define when, where and how their cards are used.",
    "CardValet from Fiserv is a mobile app that consumers expect them to enable their cards and "
    "define when their cards are used. CardValet can be used as A branded app that can be "
    "integrated via single sign-on with your mobile banking platform giving cardholders a seamless "
    "banking experience",
    "Standing on one's head at job interviews forms a lasting impression.",
};

std::filesystem::path mpnet_dir() {
  const char* home = std::getenv("SEMBED_MODEL_HOME");
  const char* xdg = std::getenv("XDG_CACHE_HOME");
  const char* user = std::getenv("HOME");
  const std::filesystem::path base =
      home ? std::filesystem::path(home)
           : (xdg ? std::filesystem::path(xdg)
                  : std::filesystem::path(user ? user : "/root") / ".cache") /
                 "sembed/models";
  return base / "all-mpnet-base-v2";
}

std::shared_ptr<Model> mpnet() {
  static std::shared_ptr<Model> model = Model::load(mpnet_dir());
  return model;
}

nlohmann::json reference() {
  std::ifstream in(std::string(SEMBED_SOURCE_DIR) + "/tests/golden/mpnet_reference.json");
  return nlohmann::json::parse(in);
}

std::vector<std::string> sts_sentences(std::vector<double>& gold) {
  std::ifstream in(std::string(SEMBED_TEST_DATA) + "/stsbenchmark/sts-test.csv");
  std::vector<std::string> out;
  std::string line;
  while (std::getline(in, line)) {
    std::vector<std::string> cols;
    std::stringstream ss(line);
    std::string col;
    while (std::getline(ss, col, '\t')) cols.push_back(col);
    gold.push_back(std::stod(cols.at(4)));
    out.push_back(cols.at(5));
    out.push_back(cols.at(6));
  }
  return out;
}

double cosine(const float* a, const float* b, size_t n) {
  double ab = 0, aa = 0, bb = 0;
  for (size_t j = 0; j < n; ++j) {
    ab += double(a[j]) * b[j];
    aa += double(a[j]) * a[j];
    bb += double(b[j]) * b[j];
  }
  return ab / std::sqrt(aa * bb);
}

std::vector<double> ranks(const std::vector<double>& v) {
  std::vector<size_t> idx(v.size());
  std::iota(idx.begin(), idx.end(), 0);
  std::sort(idx.begin(), idx.end(), [&](size_t a, size_t b) { return v[a] < v[b]; });
  std::vector<double> r(v.size());
  for (size_t i = 0; i < idx.size();) {
    size_t j = i;
    while (j + 1 < idx.size() && v[idx[j + 1]] == v[idx[i]]) ++j;
    for (size_t k = i; k <= j; ++k) r[idx[k]] = (i + j) / 2.0 + 1;
    i = j + 1;
  }
  return r;
}

double spearman(const std::vector<double>& x, const std::vector<double>& y) {
  const auto rx = ranks(x), ry = ranks(y);
  const double mx = std::accumulate(rx.begin(), rx.end(), 0.0) / rx.size();
  const double my = std::accumulate(ry.begin(), ry.end(), 0.0) / ry.size();
  double sxy = 0, sxx = 0, syy = 0;
  for (size_t i = 0; i < rx.size(); ++i) {
    sxy += (rx[i] - mx) * (ry[i] - my);
    sxx += (rx[i] - mx) * (rx[i] - mx);
    syy += (ry[i] - my) * (ry[i] - my);
  }
  return sxy / std::sqrt(sxx * syy);
}

TEST(MpnetParity, EveryStsTestSentenceMatchesSentenceTransformers) {
  std::vector<double> gold;
  const auto sentences = sts_sentences(gold);
  ASSERT_EQ(sentences.size(), 2758u);
  const Matrix golden =
      testing::read_npy_f32(std::string(SEMBED_SOURCE_DIR) + "/tests/golden/mpnet_sts_test.npy");
  const Matrix got = mpnet()->encode(sentences);
  ASSERT_EQ(got.rows, golden.rows);
  ASSERT_EQ(got.cols, 768u);
  double min_cos = 1;
  float worst = 0;
  for (size_t i = 0; i < got.rows; ++i) {
    min_cos = std::min(min_cos, cosine(got.row(i), golden.row(i), got.cols));
    for (size_t j = 0; j < got.cols; ++j)
      worst = std::max(worst, std::fabs(got.at(i, j) - golden.at(i, j)));
  }
  std::printf("all-mpnet-base-v2 STS-B test: min cosine %.9f, max abs diff %.3g over %zu\n",
              min_cos, worst, got.rows);
  EXPECT_GE(min_cos, 0.99999);
  EXPECT_LE(worst, 1e-5f);
  std::vector<double> scores;
  for (size_t p = 0; p < gold.size(); ++p)
    scores.push_back(cosine(got.row(2 * p), got.row(2 * p + 1), got.cols));
  const double ours = spearman(scores, gold);
  const double theirs = reference()["sts_test_spearman_cosine"];
  std::printf("STS-B test Spearman: sembed %.6f, sentence-transformers %.6f\n", ours, theirs);
  EXPECT_NEAR(ours, theirs, 5e-5);  // equal to 4 decimals
}

TEST(MpnetParity, SeedRowAndEmbeddingsMatchSentenceTransformers) {
  const Matrix emb = mpnet()->encode(kSeedSentences);
  const auto ref = reference();
  for (size_t j = 0; j < 3; ++j)
    EXPECT_NEAR(cosine(emb.row(0), emb.row(j + 1), emb.cols),
                ref["seed_cosine_row"][j].get<double>(), 1e-6);
  for (size_t i = 0; i < emb.rows; ++i)
    for (size_t j = 0; j < emb.cols; ++j)
      EXPECT_NEAR(emb.at(i, j), ref["seed_embeddings"][i][j].get<double>(), 1e-5);
}

TEST(MpnetParity, EdgeTextsMatchSentenceTransformers) {
  const auto ref = reference();
  const auto texts = ref["edge_texts"].get<std::vector<std::string>>();
  const Matrix emb = mpnet()->encode(texts);
  for (size_t i = 0; i < texts.size(); ++i)
    for (size_t j = 0; j < emb.cols; ++j)
      EXPECT_NEAR(emb.at(i, j), ref["edge_embeddings"][i][j].get<double>(), 1e-5) << "edge " << i;
}

TEST(MpnetParity, InfoNamesTheFamilyAndModules) {
  const ModelInfo& info = mpnet()->info();
  EXPECT_EQ(info.family, "mpnet");
  EXPECT_EQ(info.max_seq_length, 384u);
  ASSERT_EQ(info.modules.size(), 2u);
  EXPECT_EQ(info.modules[0], "Pooling (mean)");
  EXPECT_EQ(info.modules[1], "Normalize");
}

}  // namespace
}  // namespace sembed
