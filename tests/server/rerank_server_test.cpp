// The server's /rerank and /predict on the cross-encoder fixtures (tests/fixtures/cross_encoders,
// scripts/make_cross_encoder_fixtures.py) against sentence-transformers' CrossEncoder.rank and
// predict in each reference.json: scores within 1e-5, TEI's ordering and response shapes,
// raw_scores, truncation and its errors, and under concurrent clients every answer equals the
// one its request gets alone.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <thread>

#include "test_server.hpp"

namespace sembed::server::testing {
namespace {

namespace fs = std::filesystem;

const fs::path kFixtures = fs::path(SEMBED_SOURCE_DIR) / "tests/fixtures/cross_encoders";
const fs::path kEmbedding = fs::path(SEMBED_SOURCE_DIR) / "tests/fixtures/families/bert-dense";
constexpr double kTolerance = 1e-5;

json reference(const std::string& name) {
  std::ifstream in(kFixtures / name / "reference.json");
  return json::parse(in);
}

std::vector<std::string> fixtures() {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(kFixtures))
    if (fs::exists(e.path() / "reference.json")) names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

std::unique_ptr<TestServer> serve(const std::string& fixture, ServerOptions options = {}) {
  static std::shared_ptr<const Model> embedding = Model::load(kEmbedding, LoadOptions{2});
  return std::make_unique<TestServer>(options, make_model_backend(embedding),
                                      CrossEncoder::load(kFixtures / fixture, LoadOptions{2}));
}

// The reference's scores for one case, softmax applied here when asked of a case that has none.
std::vector<std::vector<double>> reference_scores(const json& ref, const std::string& activation,
                                                  bool softmax) {
  for (const auto& c : ref["cases"])
    if (c["activation"] == activation && c["apply_softmax"] == softmax)
      return c["scores"].get<std::vector<std::vector<double>>>();
  auto rows = reference_scores(ref, activation, false);
  for (auto& row : rows) {  // torch.softmax of the float32 values, in double
    const double m = *std::max_element(row.begin(), row.end());
    double sum = 0;
    for (double& v : row) sum += (v = std::exp(v - m));
    for (double& v : row) v /= sum;
  }
  return rows;
}

TEST(RerankServer, RerankMatchesSentenceTransformersOnEveryFixture) {
  for (const auto& name : fixtures()) {
    const json ref = reference(name);
    if (!ref.contains("rank")) continue;
    SCOPED_TRACE(name);
    auto srv = serve(name);
    const json& r = ref["rank"];
    Reply reply = srv->post("/rerank", json{{"query", r["query"]},
                                            {"texts", r["documents"]},
                                            {"return_text", true}});
    ASSERT_EQ(reply.status, 200) << reply.body;
    const json got = reply.parsed();
    ASSERT_EQ(got.size(), r["results"].size());
    for (size_t i = 0; i < got.size(); ++i) {
      const json& want = r["results"][i];
      EXPECT_EQ(got[i]["index"], want["corpus_id"]) << "rank " << i;
      EXPECT_NEAR(got[i]["score"].get<double>(), want["score"].get<double>(), kTolerance);
      EXPECT_EQ(got[i]["text"], r["documents"][want["corpus_id"].get<size_t>()]);
    }
    // raw_scores: the logits, whose sigmoid is the score.
    reply = srv->post("/rerank", json{{"query", r["query"]}, {"texts", r["documents"]},
                                      {"raw_scores", true}});
    ASSERT_EQ(reply.status, 200) << reply.body;
    const json raw = reply.parsed();
    const bool sigmoid = CrossEncoder::load(kFixtures / name)->info().activation == "Sigmoid";
    for (const auto& hit : raw) {
      const double logit = hit["score"].get<double>();
      double score = -1;
      for (const auto& g : got)
        if (g["index"] == hit["index"]) score = g["score"].get<double>();
      EXPECT_NEAR(sigmoid ? 1 / (1 + std::exp(-logit)) : logit, score, 1e-6);
      EXPECT_FALSE(hit.contains("text"));
    }
  }
}

TEST(RerankServer, PredictMatchesSentenceTransformersOnEveryFixture) {
  for (const auto& name : fixtures()) {
    SCOPED_TRACE(name);
    const json ref = reference(name);
    auto srv = serve(name);
    const auto labels = CrossEncoder::load(kFixtures / name)->info().labels;
    for (bool raw : {false, true}) {
      // TEI's probabilities: the activation, then a softmax over several labels.
      const auto want = reference_scores(ref, raw ? "identity" : "default",
                                         !raw && labels.size() > 1);
      Reply reply = srv->post(
          "/predict", json{{"inputs", ref["pairs"]}, {"raw_scores", raw}, {"truncate", true}});
      ASSERT_EQ(reply.status, 200) << reply.body;
      const json got = reply.parsed();
      ASSERT_EQ(got.size(), want.size());
      for (size_t i = 0; i < got.size(); ++i) {
        ASSERT_EQ(got[i].size(), labels.size());
        for (size_t k = 0; k < got[i].size(); ++k) {
          if (k) {
            EXPECT_GE(got[i][k - 1]["score"].get<double>(), got[i][k]["score"].get<double>());
          }
          const size_t label = std::find(labels.begin(), labels.end(),
                                         got[i][k]["label"].get<std::string>()) - labels.begin();
          ASSERT_LT(label, labels.size());
          EXPECT_NEAR(got[i][k]["score"].get<double>(), want[i][label], kTolerance)
              << "pair " << i << " label " << labels[label] << (raw ? " raw" : "");
        }
      }
    }
  }
}

TEST(RerankServer, ShapesTruncationAndErrors) {
  auto srv = serve("bert");
  const json ref = reference("bert");
  // One [text, text_pair] array is one input (TEI): a flat list of labels.
  Reply r = srv->post("/predict", json{{"inputs", ref["pairs"][0]}});
  ASSERT_EQ(r.status, 200) << r.body;
  ASSERT_TRUE(r.parsed()[0].is_object()) << r.body;
  EXPECT_NEAR(r.parsed()[0]["score"].get<double>(),
              ref["cases"][0]["scores"][0][0].get<double>(), kTolerance);
  // A text alone is classified alone: the same as the library's single-text tokens.
  r = srv->post("/predict", json{{"inputs", json::array({"one text", {"a", "b"}})}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.parsed().size(), 2u);

  std::string long_text;
  for (int i = 0; i < 100; ++i) long_text += "word ";
  EXPECT_TEI_ERROR(srv->post("/rerank", json{{"query", "q"}, {"texts", {"a", long_text}}}), 422,
                   "texts[1]");
  r = srv->post("/rerank",
                json{{"query", "q"}, {"texts", {"a", long_text}}, {"truncate", true}});
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_TEI_ERROR(srv->post("/predict", json{{"inputs", json::array({"a", {"b", long_text}})}}),
                   422, "inputs[1]");
  EXPECT_TEI_ERROR(srv->post("/rerank", json{{"query", "q"}, {"texts", {"a"}},
                                             {"truncation_direction", "Left"}}),
                   422, "truncation_direction");
  EXPECT_TEI_ERROR(srv->post("/predict", json{{"inputs", json::array({3})}}), 422, "inputs[0]");
  EXPECT_TEI_ERROR(srv->post("/rerank", json{{"query", 5}, {"texts", {"a"}}}), 422, "`query`");
  // A long query times many texts is bounded (8 x --max-body-bytes of pair text).
  ServerOptions small;
  small.max_body_bytes = 64 * 1024;
  auto bounded = serve("bert", small);
  EXPECT_TEI_ERROR(bounded->post("/rerank", json{{"query", std::string(60000, 'q')},
                                                 {"texts", json(std::vector<std::string>(10, "d"))}}),
                   413, "bytes of text");
  // Three labels: /rerank refuses, /predict answers.
  auto nli = serve("bert-nli");
  EXPECT_TEI_ERROR(nli->post("/rerank", json{{"query", "q"}, {"texts", {"a"}}}), 424, "labels");
}

TEST(RerankServer, ConcurrentClientsGetTheirAloneAnswers) {
  auto srv = serve("modernbert");
  const json ref = reference("modernbert");
  std::vector<json> bodies;
  for (size_t i = 0; i < ref["pairs"].size(); ++i)
    bodies.push_back(json{{"query", ref["pairs"][i][0]},
                          {"texts", {ref["pairs"][i][1], ref["pairs"][(i + 1) % 10][1]}},
                          {"truncate", true}});
  std::vector<std::string> alone;
  for (const auto& b : bodies) alone.push_back(srv->post("/rerank", b).body);
  std::vector<std::thread> clients;
  std::atomic<int> mismatches{0};
  for (int t = 0; t < 8; ++t) {
    clients.emplace_back([&, t] {
      for (int k = 0; k < 10; ++k) {
        const size_t i = static_cast<size_t>(t + k) % bodies.size();
        if (srv->post("/rerank", bodies[i]).body != alone[i]) ++mismatches;
      }
    });
  }
  for (auto& c : clients) c.join();
  EXPECT_EQ(mismatches.load(), 0);
}

}  // namespace
}  // namespace sembed::server::testing
