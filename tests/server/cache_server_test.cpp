// The server's embedding cache (--cache-mb) on a real model (the bert-dense family fixture): a
// cached answer is byte-identical to an uncached server's, for every route option that changes
// the output (prompt, truncation side, dimensions, normalize, token ids); /metrics counts hits
// and misses; a stream of unique texts keeps the cache within its budget.
#include <gtest/gtest.h>

#include <filesystem>

#include "test_server.hpp"

namespace sembed::server::testing {
namespace {

const std::filesystem::path kModel =
    std::filesystem::path(SEMBED_SOURCE_DIR) / "tests/fixtures/families/roberta-prompts";

std::shared_ptr<const Model> model() {
  static std::shared_ptr<const Model> m = Model::load(kModel, LoadOptions{2});
  return m;
}

double metric(const std::string& body, const std::string& name) {
  const std::string key = "\n" + name + " ";
  const size_t at = ("\n" + body).find(key);
  return at == std::string::npos ? -1 : std::stod(body.substr(at + key.size() - 1));
}

TEST(CacheServer, CachedAnswersAreByteIdenticalForEveryOption) {
  ServerOptions cached_options;
  cached_options.cache_bytes = 1 << 20;
  TestServer plain({}, make_model_backend(model()));
  TestServer cached(cached_options, make_model_backend(model()));
  std::string long_text;
  for (int i = 0; i < 80; ++i) long_text += "the cat sat on the mat ";
  const std::vector<json> bodies = {
      {{"inputs", {"A man is playing a guitar.", "one", ""}}},
      {{"inputs", {"A man is playing a guitar."}}, {"prompt_name", "passage"}},
      {{"inputs", long_text}, {"truncate", true}},
      {{"inputs", long_text}, {"truncate", true}, {"truncation_direction", "Left"}},
      {{"inputs", {"one", "A man is playing a guitar."}}, {"normalize", false}},
      {{"inputs", "one"}, {"dimensions", 8}},
  };
  for (int round = 0; round < 3; ++round) {
    for (const auto& b : bodies) {
      const Reply want = plain.post("/embed", b);
      const Reply got = cached.post("/embed", b);
      ASSERT_EQ(want.status, 200) << want.body;
      EXPECT_EQ(got.body, want.body) << b.dump() << " round " << round;
    }
    const json openai = {{"input", {"A man is playing a guitar.", "two words"}}};
    EXPECT_EQ(cached.post("/v1/embeddings", openai).parsed()["data"],
              plain.post("/v1/embeddings", openai).parsed()["data"]);
  }
  const std::string m = cached.get("/metrics").body;
  EXPECT_GT(metric(m, "sembed_cache_hits_total"), 0) << m;
  EXPECT_GT(metric(m, "sembed_cache_misses_total"), 0) << m;
  EXPECT_GT(metric(m, "sembed_cache_entries"), 0) << m;
  EXPECT_EQ(metric(plain.get("/metrics").body, "sembed_cache_hits_total"), -1);
}

TEST(CacheServer, RepeatedInputsSkipTheEngineAndUniqueOnesStayInTheBudget) {
  ServerOptions o;
  o.cache_bytes = 32 * 1024;  // a few dozen rows of this 24-dimensional model
  TestServer srv(o, make_model_backend(model()));
  const json body = {{"inputs", {"alpha", "beta", "gamma"}}};
  ASSERT_EQ(srv.post("/embed", body).status, 200);
  const std::string before = srv.get("/metrics").body;
  for (int i = 0; i < 5; ++i) ASSERT_EQ(srv.post("/embed", body).status, 200);
  const std::string after = srv.get("/metrics").body;
  EXPECT_EQ(metric(after, "sembed_cache_hits_total") - metric(before, "sembed_cache_hits_total"),
            15);
  // All answered from the cache: no new engine call.
  EXPECT_EQ(metric(after, "sembed_batches_total"), metric(before, "sembed_batches_total"));
  // Unique token sequences: i written in words of the fixture's vocabulary (other words would
  // all be [UNK], the same sequence).
  const char* digits[] = {"cat", "dog", "sat", "mat", "man", "woman", "child", "plays", "guitar",
                          "piano"};
  auto words = [&](int i) {
    std::string s;
    do {
      s += std::string(digits[i % 10]) + " ";
      i /= 10;
    } while (i > 0);
    return s;
  };
  for (int i = 0; i < 400; ++i) {
    const json unique = {{"inputs", {words(i), "the " + words(i)}}};
    ASSERT_EQ(srv.post("/embed", unique).status, 200);
  }
  const std::string end = srv.get("/metrics").body;
  EXPECT_LE(metric(end, "sembed_cache_bytes"), 32 * 1024);
  EXPECT_GT(metric(end, "sembed_cache_evictions_total"), 0) << end.substr(end.find("sembed_cache"), 900);
}

}  // namespace
}  // namespace sembed::server::testing
