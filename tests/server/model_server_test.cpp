// The server on the real default model (all-MiniLM-L6-v2, fetched by
// scripts/fetch_default_model.sh): its vectors equal the library's, truncation in both directions
// matches tokenizing and cutting by hand (also past the 512 position limit), and under 64
// concurrent clients x 50 requests of mixed lengths every response equals the vector the same
// text gets when sent alone.
#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <map>
#include <random>
#include <sembed/sembed.hpp>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "test_server.hpp"

namespace sembed::server::testing {
namespace {

// The value of an unlabelled Prometheus sample "name value" in a /metrics body; -1 when absent.
double metric_value(const std::string& body, const std::string& name) {
  const std::string key = "\n" + name + " ";
  const size_t at = ("\n" + body).find(key);
  if (at == std::string::npos) return -1;
  return std::stod(body.substr(at + key.size() - 1));
}

std::shared_ptr<const Model> default_model() {
  // SEMBED_TEST_THREADS: encoder threads per call (1 under ThreadSanitizer, see
  // scripts/check_thread_safety.sh).
  static std::shared_ptr<const Model> model = [] {
    LoadOptions options;
    if (const char* t = std::getenv("SEMBED_TEST_THREADS")) options.threads = std::atoi(t);
    return Model::load(resolve_model_dir(std::nullopt), options);
  }();
  return model;
}

std::vector<float> to_vector(const json& v) {
  std::vector<float> out;
  for (const auto& x : v) out.push_back(x.get<float>());
  return out;
}

float max_abs_diff(const std::vector<float>& a, const float* b, size_t n) {
  EXPECT_EQ(a.size(), n);
  float d = 0;
  for (size_t i = 0; i < std::min(a.size(), n); ++i) d = std::max(d, std::abs(a[i] - b[i]));
  return d;
}

// STS-B test sentences: real text of varied length.
std::vector<std::string> sts_sentences(size_t limit) {
  const std::string path = std::string(SEMBED_TEST_DATA) + "/stsbenchmark/sts-test.csv";
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::vector<std::string> out;
  std::string line;
  while (std::getline(in, line) && out.size() < limit) {
    std::vector<std::string> cols;
    std::stringstream ss(line);
    std::string col;
    while (std::getline(ss, col, '\t')) cols.push_back(col);
    if (cols.size() > 6) out.push_back(cols[5]);
  }
  return out;
}

class ModelServer : public ::testing::Test {
 protected:
  static ServerOptions options() {
    ServerOptions o;
    o.max_batch_tokens = 4096;
    o.openai_token_ids = true;  // TokenIdsRoundTrip sends this model's own ids
    return o;
  }
  std::shared_ptr<const Model> model = default_model();
  TestServer srv{options(), make_model_backend(model)};
};

TEST_F(ModelServer, VectorsEqualTheLibrary) {
  std::vector<std::string> texts = sts_sentences(20);
  texts.push_back("");
  std::string long_text;
  for (int i = 0; i < 60; ++i) long_text += "The quick brown fox jumps over the lazy dog. ";
  texts.push_back(long_text);  // over 256 tokens: truncated as sentence-transformers does
  const Matrix want = model->encode(texts);
  const Reply r = srv.post("/v1/embeddings", json{{"input", texts}});
  ASSERT_EQ(r.status, 200) << r.body;
  const json j = r.parsed();
  for (size_t i = 0; i < texts.size(); ++i) {
    EXPECT_LE(max_abs_diff(to_vector(j["data"][i]["embedding"]), want.row(i), want.cols), 1e-6f)
        << "text " << i;
  }
  EXPECT_EQ(j["model"], "all-MiniLM-L6-v2");
  // TEI with normalize=false gives the raw mean-pooled vectors.
  EncodeOptions raw;
  raw.normalize = false;
  const Matrix want_raw = model->encode({texts[0]}, raw);
  const Reply t = srv.post("/embed", json{{"inputs", texts[0]}, {"normalize", false}});
  ASSERT_EQ(t.status, 200) << t.body;
  EXPECT_LE(max_abs_diff(to_vector(t.parsed()[0]), want_raw.row(0), want_raw.cols), 1e-6f);
}

TEST_F(ModelServer, TruncationBothDirectionsMatchesCuttingByHand) {
  const size_t max_len = model->max_seq_length();
  for (int words : {300, 700}) {  // 700: past the 512 position embeddings
    std::string text;
    for (int i = 0; i < words; ++i) text += "word" + std::to_string(i) + " ";
    // "wordN" is one or more word pieces; tokenize the last words (fewer than 512 tokens, but
    // more than max_len) to know the expected tail.
    std::string tail_text;
    for (int i = words - 150; i < words; ++i) tail_text += "word" + std::to_string(i) + " ";
    const TokenizedText tail = model->tokenize(tail_text, 512, false);
    ASSERT_GT(tail.ids.size(), max_len);
    std::vector<int32_t> left = {tail.ids.front()};
    left.insert(left.end(), tail.ids.end() - 1 - (max_len - 2), tail.ids.end() - 1);
    left.push_back(tail.ids.back());
    const std::vector<int32_t> right = model->tokenize(text, max_len, true).ids;
    const Matrix want = model->encode_ids({right, left});

    Reply r = srv.post("/embed", json{{"inputs", text}, {"truncate", true}});
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_LE(max_abs_diff(to_vector(r.parsed()[0]), want.row(0), want.cols), 1e-6f) << words;
    r = srv.post("/embed",
                 json{{"inputs", text}, {"truncate", true}, {"truncation_direction", "Left"}});
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_LE(max_abs_diff(to_vector(r.parsed()[0]), want.row(1), want.cols), 1e-6f) << words;

    r = srv.post("/embed", json{{"inputs", {"short", text}}});
    EXPECT_EQ(r.status, 422) << r.body;
    EXPECT_NE(r.body.find("inputs[1]"), std::string::npos) << r.body;
  }
}

TEST_F(ModelServer, TokenIdsRoundTrip) {
  const std::string text = "Tokenize me, then embed the ids.";
  const Reply tok = srv.post("/tokenize", json{{"content", text}, {"add_special", true}});
  ASSERT_EQ(tok.status, 200) << tok.body;
  const json ids = tok.parsed()["tokens"];
  const Reply a = srv.post("/v1/embeddings", json{{"input", ids}});
  const Reply b = srv.post("/v1/embeddings", json{{"input", text}});
  ASSERT_EQ(a.status, 200) << a.body;
  ASSERT_EQ(b.status, 200) << b.body;
  EXPECT_EQ(a.parsed()["data"][0]["embedding"], b.parsed()["data"][0]["embedding"]);
}

TEST_F(ModelServer, ConcurrentClientsGetTheirOwnVectors) {
  // A pool of texts from 3 to ~150 tokens.
  std::vector<std::string> pool = sts_sentences(40);
  for (int n : {3, 8}) {
    std::string t;
    for (int i = 0; i < n; ++i) t += pool[static_cast<size_t>(i) % pool.size()] + " ";
    pool.push_back(t);
  }
  pool.push_back("a");

  // Reference: each text sent alone, one request at a time.
  std::vector<std::vector<float>> alone(pool.size());
  for (size_t i = 0; i < pool.size(); ++i) {
    const Reply r = srv.post("/v1/embeddings", json{{"input", pool[i]}});
    ASSERT_EQ(r.status, 200) << r.body;
    alone[i] = to_vector(r.parsed()["data"][0]["embedding"]);
  }

  // SEMBED_TEST_REQUESTS lowers the requests per client (the ThreadSanitizer run uses 5).
  constexpr int kClients = 64;
  const char* requests_env = std::getenv("SEMBED_TEST_REQUESTS");
  const int kRequests = requests_env ? std::max(1, std::atoi(requests_env)) : 50;
  std::atomic<int> errors{0}, mismatches{0}, exact{0}, vectors{0};
  std::atomic<float> worst{0};
  std::vector<std::thread> clients;
  for (int c = 0; c < kClients; ++c) {
    clients.emplace_back([&, c] {
      std::mt19937 rng(1234 + c);
      auto http = srv.client();
      for (int r = 0; r < kRequests; ++r) {
        const size_t n = 1 + rng() % 4;
        std::vector<size_t> picks;
        json input = json::array();
        for (size_t k = 0; k < n; ++k) {
          picks.push_back(rng() % pool.size());
          input.push_back(pool[picks.back()]);
        }
        const bool tei = rng() % 2 == 0;
        auto res =
            tei ? http->Post("/embed", json{{"inputs", input}}.dump(), "application/json")
                : http->Post("/v1/embeddings", json{{"input", input}}.dump(), "application/json");
        if (!res || res->status != 200) {
          ++errors;
          continue;
        }
        const json j = json::parse(res->body);
        for (size_t k = 0; k < n; ++k) {
          const std::vector<float> got = to_vector(tei ? j[k] : j["data"][k]["embedding"]);
          const std::vector<float>& want = alone[picks[k]];
          float d = 0;
          for (size_t x = 0; x < want.size(); ++x) d = std::max(d, std::abs(got[x] - want[x]));
          ++vectors;
          if (got == want) ++exact;
          if (d > 1e-6f) ++mismatches;
          float w = worst.load();
          while (d > w && !worst.compare_exchange_weak(w, d)) {
          }
        }
      }
    });
  }
  for (auto& t : clients) t.join();
  EXPECT_EQ(errors.load(), 0);
  EXPECT_EQ(mismatches.load(), 0) << "largest difference " << worst.load();
  // The engine packs sequences without padding, so batching changes no bit.
  EXPECT_EQ(exact.load(), vectors.load()) << "largest difference " << worst.load();
  std::printf(
      "concurrency: %d vectors, %d bit-identical to the single-request vector, largest "
      "difference %g\n",
      vectors.load(), exact.load(), static_cast<double>(worst.load()));
  // Batching happened: the engine calls held more requests than there were calls (the histogram's
  // _sum counts requests, its _count engine calls; without batching they are equal).
  const Reply m = srv.get("/metrics");
  const double requests = metric_value(m.body, "sembed_batch_requests_sum");
  const double calls = metric_value(m.body, "sembed_batch_requests_count");
  EXPECT_GT(calls, 0) << m.body;
  EXPECT_GT(requests, calls) << "no engine call held more than one request\n" << m.body;
  std::printf("batching: %.0f requests in %.0f engine calls\n", requests, calls);
}

TEST_F(ModelServer, EmbedAllIsTheModelsTokenEmbeddings) {
  const std::vector<std::string> texts = {"Token embeddings, please.", "A second, longer text."};
  const Reply r = srv.post("/embed_all", json{{"inputs", texts}});
  ASSERT_EQ(r.status, 200) << r.body.substr(0, 300);
  const std::vector<Matrix> want = model->encode_tokens(texts);
  const json got = r.parsed();
  ASSERT_EQ(got.size(), texts.size());
  for (size_t i = 0; i < texts.size(); ++i) {
    ASSERT_EQ(got[i].size(), want[i].rows);
    for (size_t t = 0; t < want[i].rows; ++t) {
      // Shortest round-trip floats: bit-identical after parsing.
      EXPECT_EQ(max_abs_diff(to_vector(got[i][t]), want[i].row(t), want[i].cols), 0.0f);
    }
  }
}

TEST_F(ModelServer, TokenizeLongTextsInFull) {
  std::string text;
  for (int i = 0; i < 700; ++i) text += "word" + std::to_string(i % 50) + " ";
  const Reply r = srv.post("/tokenize", json{{"inputs", text}});
  ASSERT_EQ(r.status, 200) << r.body.substr(0, 300);
  const TokenizedText want = model->tokenize(text, 1u << 20, /*truncate=*/false);
  ASSERT_GT(want.ids.size(), 512u);
  const json got = r.parsed()[0];
  ASSERT_EQ(got.size(), want.ids.size());
  for (size_t i = 0; i < want.ids.size(); ++i) EXPECT_EQ(got[i]["id"], want.ids[i]) << i;
  const Reply cut = srv.post("/tokenize", json{{"inputs", text}, {"truncate", true}});
  const std::vector<int32_t> right = model->tokenize(text).ids;  // max_seq_length, keep start
  ASSERT_EQ(cut.parsed()[0].size(), right.size());
  for (size_t i = 0; i < right.size(); ++i) EXPECT_EQ(cut.parsed()[0][i]["id"], right[i]) << i;
}

}  // namespace
}  // namespace sembed::server::testing
