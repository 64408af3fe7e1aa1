// The server's chunk mode (request fields long_text / chunk_overlap) on a real model (the
// roberta-prompts family fixture: prompts, Dense, Normalize; 48 tokens per window): /embed and
// /v1/embeddings give what Model::encode gives with long_text = Chunk (whose windows
// tests/families/long_text_test.cpp checks against sentence-transformers); a text that fits is
// answered byte-identically to truncation; the cache changes nothing; bad values are refused by
// name.
#include <gtest/gtest.h>

#include <cmath>
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

std::string long_text(int words) {
  const char* vocab[] = {"the", "cat", "sat", "on", "mat", "dog", "walked", "in", "park"};
  std::string s;
  for (int i = 0; i < words; ++i) s += std::string(vocab[(i * 7) % 9]) + (i % 11 ? " " : ". ");
  return s;
}

void expect_rows_near(const json& got, const Matrix& want, const std::string& what) {
  ASSERT_EQ(got.size(), want.rows) << what;
  for (size_t i = 0; i < want.rows; ++i) {
    ASSERT_EQ(got[i].size(), want.cols) << what;
    for (size_t j = 0; j < want.cols; ++j)
      EXPECT_NEAR(got[i][j].get<double>(), want.at(i, j), 1e-6) << what << " row " << i;
  }
}

TEST(LongTextServer, ChunkModeGivesTheLibrarysVectors) {
  TestServer srv({}, make_model_backend(model()));
  const std::vector<std::string> texts = {long_text(300), "A man is playing a guitar.",
                                          long_text(77)};
  for (const char* prompt_name : {"query", "passage"}) {
    for (size_t overlap : {0, 9}) {
      EncodeOptions o;
      o.long_text = LongText::Chunk;
      o.chunk_overlap = overlap;
      o.prompt_name = prompt_name;
      const Matrix want = model()->encode(texts, o);
      const json body = {{"inputs", texts}, {"long_text", "chunk"},
                         {"chunk_overlap", overlap}, {"prompt_name", prompt_name}};
      const Reply r = srv.post("/embed", body);
      ASSERT_EQ(r.status, 200) << r.body;
      expect_rows_near(r.parsed(), want, std::string("/embed ") + prompt_name);

      json openai = body;
      openai.erase("inputs");
      openai["input"] = texts;
      const Reply o2 = srv.post("/v1/embeddings", openai);
      ASSERT_EQ(o2.status, 200) << o2.body;
      const json answer = o2.parsed();
      json rows = json::array();
      for (const auto& d : answer["data"]) rows.push_back(d["embedding"]);
      expect_rows_near(rows, want, std::string("/v1/embeddings ") + prompt_name);
      // Every window's tokens are counted.
      size_t tokens = 0;
      for (const auto& t : texts)
        for (const auto& c : model()->chunk(t, o)) tokens += c.ids.size();
      EXPECT_EQ(answer["usage"]["prompt_tokens"].get<size_t>(), tokens);
    }
  }
}

TEST(LongTextServer, ATextThatFitsIsAnsweredAsWithTruncation) {
  TestServer srv({}, make_model_backend(model()));
  const json texts = {"A man is playing a guitar.", "one", ""};
  const Reply chunk = srv.post("/embed", {{"inputs", texts}, {"long_text", "chunk"}});
  const Reply plain = srv.post("/embed", {{"inputs", texts}});
  ASSERT_EQ(plain.status, 200) << plain.body;
  EXPECT_EQ(chunk.body, plain.body);
}

TEST(LongTextServer, AnOverLongTextIsEmbeddedWholeEvenWithTruncateFalse) {
  TestServer srv({}, make_model_backend(model()));
  const std::string text = long_text(400);
  EXPECT_EQ(srv.post("/embed", {{"inputs", text}, {"truncate", false}}).status, 422);
  const Reply r =
      srv.post("/embed", {{"inputs", text}, {"truncate", false}, {"long_text", "chunk"}});
  ASSERT_EQ(r.status, 200) << r.body;
  // Not the truncated vector: the windows after the first count.
  const Reply cut = srv.post("/embed", {{"inputs", text}, {"truncate", true}});
  EXPECT_NE(r.body, cut.body);
}

TEST(LongTextServer, TheCacheChangesNothing) {
  ServerOptions cached_options;
  cached_options.cache_bytes = 1 << 20;
  TestServer plain({}, make_model_backend(model()));
  TestServer cached(cached_options, make_model_backend(model()));
  const json body = {{"inputs", {long_text(200), long_text(90), "short"}},
                     {"long_text", "chunk"}, {"chunk_overlap", 4}};
  const Reply want = plain.post("/embed", body);
  ASSERT_EQ(want.status, 200) << want.body;
  for (int round = 0; round < 2; ++round) EXPECT_EQ(cached.post("/embed", body).body, want.body);
}

TEST(LongTextServer, RefusesBadValuesByName) {
  TestServer srv({}, make_model_backend(model()));
  const Reply mode = srv.post("/embed", {{"inputs", "x"}, {"long_text", "split"}});
  EXPECT_EQ(mode.status, 422);
  EXPECT_NE(mode.body.find("long_text"), std::string::npos) << mode.body;
  EXPECT_NE(mode.body.find("choose one of truncate, chunk"), std::string::npos) << mode.body;
  const Reply overlap = srv.post(
      "/embed", {{"inputs", long_text(300)}, {"long_text", "chunk"}, {"chunk_overlap", 400}});
  EXPECT_EQ(overlap.status, 422);
  EXPECT_NE(overlap.body.find("chunk_overlap 400 must be less than"), std::string::npos)
      << overlap.body;
  const Reply openai = srv.post("/v1/embeddings", {{"input", "x"}, {"long_text", 3}});
  EXPECT_EQ(openai.status, 400);
  EXPECT_NE(openai.body.find("long_text"), std::string::npos) << openai.body;
}

}  // namespace
}  // namespace sembed::server::testing
