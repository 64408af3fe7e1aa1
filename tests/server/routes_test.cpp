// Every route and every error of the server over real HTTP on loopback, against FakeBackend
// (deterministic, no weights): response shapes of both dialects, normalization, dimensions,
// truncation in both directions, base64, token-id inputs, /similarity, /tokenize, /info,
// /metrics, API keys, body/input/queue limits, and the JSON error naming the field at fault.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <future>
#include <thread>

#include "fake_backend.hpp"
#include "server/json_output.hpp"
#include "test_server.hpp"

namespace sembed::server::testing {
namespace {

std::vector<float> row_of(const Matrix& m, size_t r) {
  return std::vector<float>(m.row(r), m.row(r) + m.cols);
}

std::vector<float> unit(std::vector<float> v) {
  double sq = 0;
  for (float x : v) sq += static_cast<double>(x) * x;
  const float n = static_cast<float>(std::max(std::sqrt(sq), 1e-12));
  for (float& x : v) x /= n;
  return v;
}

// What the fake model gives for a text, as the server would compute it.
std::vector<float> expected(const std::string& text, bool normalize = true) {
  FakeBackend fb;
  const Matrix m = fb.embed({fb.tokenize(text).ids}, {});
  return normalize ? unit(row_of(m, 0)) : row_of(m, 0);
}

void expect_close(const json& got, const std::vector<float>& want, float tol = 1e-6f) {
  ASSERT_TRUE(got.is_array());
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    EXPECT_NEAR(got[i].get<float>(), want[i], tol) << "index " << i;
  }
}

double norm_of(const json& v) {
  double sq = 0;
  for (const auto& x : v) sq += x.get<double>() * x.get<double>();
  return std::sqrt(sq);
}


class Routes : public ::testing::Test {
 protected:
  static ServerOptions options() {
    ServerOptions o;
    o.max_batch_tokens = 64;
    o.max_client_batch_size = 8;
    o.max_body_bytes = 4096;
    o.openai_token_ids = true;  // the token-id tests below; the default is tested on its own
    return o;
  }
  TestServer srv{options(), std::make_unique<FakeBackend>()};
};

TEST_F(Routes, Health) {
  const Reply r = srv.get("/health");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.parsed()["status"], "ok");
}

TEST_F(Routes, Info) {
  const Reply r = srv.get("/info");
  ASSERT_EQ(r.status, 200);
  const json j = r.parsed();
  EXPECT_EQ(j["model_id"], "fake-model");
  EXPECT_EQ(j["max_input_length"], 16);
  EXPECT_EQ(j["max_batch_tokens"], 64);
  EXPECT_EQ(j["max_client_batch_size"], 8);
  EXPECT_EQ(j["dimension"], 8);
  EXPECT_EQ(j["model_type"]["embedding"]["pooling"], "mean");
}

TEST_F(Routes, OpenAIStringInput) {
  const Reply r = srv.post("/v1/embeddings", json{{"input", "hello big world"}, {"model", "m1"}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.header("Content-Type"), "application/json");
  const json j = r.parsed();
  EXPECT_EQ(j["object"], "list");
  EXPECT_EQ(j["model"], "m1");
  ASSERT_EQ(j["data"].size(), 1u);
  EXPECT_EQ(j["data"][0]["object"], "embedding");
  EXPECT_EQ(j["data"][0]["index"], 0);
  expect_close(j["data"][0]["embedding"], expected("hello big world"));
  EXPECT_EQ(j["usage"]["prompt_tokens"], 5);
  EXPECT_EQ(j["usage"]["total_tokens"], 5);
}

TEST_F(Routes, OpenAIArrayKeepsOrderAndDefaultsModel) {
  const std::vector<std::string> texts = {"a", "bb cc", "", "dddd e f g"};
  const Reply r = srv.post("/embeddings", json{{"input", texts}});
  ASSERT_EQ(r.status, 200) << r.body;
  const json j = r.parsed();
  EXPECT_EQ(j["model"], "fake-model");
  ASSERT_EQ(j["data"].size(), texts.size());
  size_t tokens = 0;
  for (size_t i = 0; i < texts.size(); ++i) {
    EXPECT_EQ(j["data"][i]["index"], i);
    expect_close(j["data"][i]["embedding"], expected(texts[i]));
    tokens += FakeBackend().tokenize(texts[i]).ids.size();
  }
  EXPECT_EQ(j["usage"]["prompt_tokens"], tokens);
}

TEST_F(Routes, OpenAITokenIdInputsRoundTripWithTokenize) {
  const Reply tok = srv.post("/tokenize", std::string(R"({"inputs": "one two three"})"));
  ASSERT_EQ(tok.status, 200) << tok.body;
  ASSERT_TRUE(tok.parsed()[0].is_array()) << tok.body;
  const json tokens = tok.parsed()[0];
  std::vector<int32_t> ids;
  for (const auto& t : tokens) ids.push_back(t["id"].get<int32_t>());
  // One id array is one input; an array of id arrays is several.
  const Reply one = srv.post("/v1/embeddings", json{{"input", ids}});
  ASSERT_EQ(one.status, 200) << one.body;
  expect_close(one.parsed()["data"][0]["embedding"], expected("one two three"));
  const Reply two = srv.post("/v1/embeddings", json{{"input", json::array({ids, ids})}});
  ASSERT_EQ(two.status, 200) << two.body;
  EXPECT_EQ(two.parsed()["data"].size(), 2u);
  EXPECT_EQ(two.parsed()["usage"]["prompt_tokens"], 2 * ids.size());
}

TEST_F(Routes, OpenAIBase64) {
  const Reply r =
      srv.post("/v1/embeddings", json{{"input", "x yy"}, {"encoding_format", "base64"}});
  ASSERT_EQ(r.status, 200) << r.body;
  const std::vector<float> want = expected("x yy");
  std::string b64;
  append_base64_floats(b64, want.data(), want.size());
  EXPECT_EQ("\"" + r.parsed()["data"][0]["embedding"].get<std::string>() + "\"", b64);
}

TEST(Base64, KnownVectors) {
  const unsigned char s[] = {'f', 'o', 'o', 'b', 'a', 'r'};
  EXPECT_EQ(base64_encode(s, 0), "");
  EXPECT_EQ(base64_encode(s, 1), "Zg==");
  EXPECT_EQ(base64_encode(s, 2), "Zm8=");
  EXPECT_EQ(base64_encode(s, 3), "Zm9v");
  EXPECT_EQ(base64_encode(s, 6), "Zm9vYmFy");
  const float one = 1.0f;  // 00 00 80 3f
  std::string out;
  append_base64_floats(out, &one, 1);
  EXPECT_EQ(out, "\"AACAPw==\"");
}

TEST_F(Routes, OpenAIDimensionsTruncateAndRenormalize) {
  const Reply r = srv.post("/v1/embeddings", json{{"input", "some words here"}, {"dimensions", 3}});
  ASSERT_EQ(r.status, 200) << r.body;
  const json v = r.parsed()["data"][0]["embedding"];
  ASSERT_EQ(v.size(), 3u);
  EXPECT_NEAR(norm_of(v), 1.0, 1e-6);
  std::vector<float> full = expected("some words here", false);
  full.resize(3);
  expect_close(v, unit(full));
}

TEST_F(Routes, TeiDimensionsFollowNormalize) {
  std::vector<float> full = expected("some words here", false);
  full.resize(3);
  Reply r = srv.post("/embed", json{{"inputs", "some words here"}, {"dimensions", 3}});
  ASSERT_EQ(r.status, 200) << r.body;
  expect_close(r.parsed()[0], unit(full));
  r = srv.post("/embed",
               json{{"inputs", "some words here"}, {"dimensions", 3}, {"normalize", false}});
  ASSERT_EQ(r.status, 200) << r.body;
  expect_close(r.parsed()[0], full, 1e-5f);
}

TEST_F(Routes, TeiEmbedNormalizeAndShape) {
  Reply r = srv.post("/embed", json{{"inputs", "abc de"}});
  ASSERT_EQ(r.status, 200) << r.body;
  json j = r.parsed();
  ASSERT_TRUE(j.is_array());
  ASSERT_EQ(j.size(), 1u);
  expect_close(j[0], expected("abc de"));
  EXPECT_NEAR(norm_of(j[0]), 1.0, 1e-6);

  r = srv.post("/embed", json{{"inputs", {"abc de", "f"}}, {"normalize", false}});
  ASSERT_EQ(r.status, 200) << r.body;
  j = r.parsed();
  ASSERT_EQ(j.size(), 2u);
  expect_close(j[0], expected("abc de", false), 1e-5f);
  expect_close(j[1], expected("f", false), 1e-5f);
}

TEST_F(Routes, TeiTruncation) {
  // 20 words: 22 tokens with [CLS]/[SEP], over the fake model's 16.
  std::string long_text;
  for (int i = 0; i < 20; ++i) long_text += std::string(1 + i % 7, 'a' + i % 26) + " ";
  Reply r = srv.post("/embed", json{{"inputs", {"short", long_text}}});
  EXPECT_TEI_ERROR(r, 422, "inputs[1]");  // TEI: an input validation error
  EXPECT_EQ(r.parsed()["error_type"], "Validation");
  EXPECT_NE(r.parsed()["error"].get<std::string>().find("22 tokens"), std::string::npos);

  FakeBackend fb;
  const auto ids = fb.tokenize(long_text).ids;
  std::vector<int32_t> right(ids.begin(), ids.begin() + 15);
  right.push_back(2);
  std::vector<int32_t> left = {1};
  left.insert(left.end(), ids.end() - 15, ids.end());

  r = srv.post("/embed", json{{"inputs", long_text}, {"truncate", true}});
  ASSERT_EQ(r.status, 200) << r.body;
  expect_close(r.parsed()[0], unit(row_of(fb.embed({right}, {}), 0)));

  r = srv.post("/embed",
               json{{"inputs", long_text}, {"truncate", true}, {"truncation_direction", "Left"}});
  ASSERT_EQ(r.status, 200) << r.body;
  expect_close(r.parsed()[0], unit(row_of(fb.embed({left}, {}), 0)));

  // OpenAI truncates by default (as sentence-transformers does); truncate=false refuses.
  r = srv.post("/v1/embeddings", json{{"input", long_text}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.parsed()["usage"]["prompt_tokens"], 16);
  r = srv.post("/v1/embeddings", json{{"input", {"a", "b", long_text}}, {"truncate", false}});
  EXPECT_OPENAI_ERROR(r, 413, "input[2]");
  EXPECT_EQ(r.parsed()["error"]["param"], "input[2]");
}

TEST_F(Routes, TruncationOfTextsTooLongToTokenizeInFull) {
  // 50 words: the backend will not tokenize it in full (over 40 tokens), so truncation goes
  // through Backend::truncated_ids and the error cannot give the exact count.
  std::string very_long;
  for (int i = 0; i < 50; ++i) very_long += std::string(1 + i % 5, 'k') + " ";
  FakeBackend fb;
  Reply r = srv.post("/embed", json{{"inputs", very_long}});
  EXPECT_TEI_ERROR(r, 422, "more than 40 tokens");
  for (bool left : {false, true}) {
    r = srv.post("/embed", json{{"inputs", very_long},
                                {"truncate", true},
                                {"truncation_direction", left ? "left" : "right"}});
    ASSERT_EQ(r.status, 200) << r.body;
    expect_close(r.parsed()[0],
                 unit(row_of(fb.embed({fb.truncated_ids(very_long, 16, left)}, {}), 0)));
  }
}

TEST_F(Routes, Similarity) {
  const Reply r = srv.post(
      "/similarity",
      json{{"inputs", {{"source_sentence", "aa bb"}, {"sentences", {"aa bb", "c", "ddd ee"}}}}});
  ASSERT_EQ(r.status, 200) << r.body;
  const json j = r.parsed();
  ASSERT_EQ(j.size(), 3u);
  const auto src = expected("aa bb");
  const std::vector<std::string> others = {"aa bb", "c", "ddd ee"};
  for (size_t i = 0; i < 3; ++i) {
    const auto o = expected(others[i]);
    double dot = 0;
    for (size_t c = 0; c < src.size(); ++c) dot += src[c] * o[c];
    EXPECT_NEAR(j[i].get<double>(), dot, 1e-6);
  }
  EXPECT_NEAR(j[0].get<double>(), 1.0, 1e-6);
}

TEST_F(Routes, TokenizeTeiAndLlamaShapes) {
  Reply r = srv.post("/tokenize", json{{"inputs", {"héllo wörld", "x"}}});
  ASSERT_EQ(r.status, 200) << r.body;
  json j = r.parsed();
  ASSERT_EQ(j.size(), 2u);
  ASSERT_EQ(j[0].size(), 4u);
  EXPECT_EQ(j[0][0]["text"], "[CLS]");
  EXPECT_EQ(j[0][0]["special"], true);
  EXPECT_TRUE(j[0][0]["start"].is_null());
  EXPECT_EQ(j[0][1]["text"], "héllo");
  EXPECT_EQ(j[0][1]["special"], false);
  // Byte offsets: "héllo" is 6 bytes; "wörld" starts after the space at byte 7.
  EXPECT_EQ(j[0][1]["start"], 0);
  EXPECT_EQ(j[0][1]["stop"], 6);
  EXPECT_EQ(j[0][2]["start"], 7);
  EXPECT_EQ(j[0][2]["stop"], 13);
  EXPECT_EQ(j[0][3]["text"], "[SEP]");

  r = srv.post("/tokenize", json{{"inputs", "a b"}, {"add_special_tokens", false}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.parsed()[0].size(), 2u);

  r = srv.post("/tokenize", json{{"content", "a bb"}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.parsed()["tokens"], json::array({101, 102}));
  r = srv.post("/tokenize", json{{"content", "a"}, {"add_special", true}, {"with_pieces", true}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.parsed()["tokens"].size(), 3u);
  EXPECT_EQ(r.parsed()["tokens"][1]["piece"], "a");
}

TEST_F(Routes, Metrics) {
  ASSERT_EQ(srv.post("/embed", json{{"inputs", {"a b", "c"}}}).status, 200);
  ASSERT_EQ(srv.post("/embed", json{{"inputs", 5}}).status, 422);
  const Reply r = srv.get("/metrics");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.header("Content-Type").rfind("text/plain", 0), 0u);
  for (const char* s :
       {"sembed_requests_total{route=\"/embed\",status=\"200\"} 1",
        "sembed_requests_total{route=\"/embed\",status=\"422\"} 1",
        "sembed_request_duration_seconds_bucket{route=\"/embed\",le=\"+Inf\"} 2",
        "sembed_request_duration_seconds_count{route=\"/embed\"} 2", "sembed_queue_size 0",
        "sembed_queue_tokens 0", "sembed_inputs_total 2", "sembed_tokens_total 7",
        "sembed_batch_size_count 1", "sembed_batch_tokens_sum 7",
        "# TYPE sembed_batch_size histogram", "sembed_requests_in_flight"}) {
    EXPECT_NE(r.body.find(s), std::string::npos) << "missing: " << s << "\n" << r.body;
  }
}

TEST_F(Routes, MalformedJson) {
  EXPECT_OPENAI_ERROR(srv.post("/v1/embeddings", std::string("{\"input\": [\"a\",")), 400,
                      "malformed JSON");
  EXPECT_TEI_ERROR(srv.post("/embed", std::string("not json")), 400, "malformed JSON");
  EXPECT_TEI_ERROR(srv.post("/embed", std::string("")), 400, "empty");
  EXPECT_TEI_ERROR(srv.post("/embed", std::string("[1,2]")), 400, "JSON object");
  EXPECT_TEI_ERROR(srv.post("/embed", std::string(100, '[') + std::string(100, ']')), 400,
                   "nested");
  // Invalid UTF-8 inside a JSON string.
  EXPECT_TEI_ERROR(srv.post("/embed", std::string("{\"inputs\": \"\xff\xfe\"}")), 400,
                   "malformed JSON");
}

TEST_F(Routes, MissingFieldsAndWrongTypesNameTheField) {
  EXPECT_OPENAI_ERROR(srv.post("/v1/embeddings", json{{"model", "x"}}), 400, "`input`");
  EXPECT_EQ(srv.post("/v1/embeddings", json{{"model", "x"}}).parsed()["error"]["param"], "input");
  EXPECT_OPENAI_ERROR(srv.post("/v1/embeddings", json{{"input", 3.5}}), 400, "`input`");
  EXPECT_OPENAI_ERROR(srv.post("/v1/embeddings", json{{"input", {"a", 7}}}), 400, "input[1]");
  EXPECT_OPENAI_ERROR(srv.post("/v1/embeddings", json{{"input", {1, "a"}}}), 400, "input[1]");
  EXPECT_OPENAI_ERROR(srv.post("/v1/embeddings", json{{"input", json::array()}}), 400, "empty");
  EXPECT_OPENAI_ERROR(srv.post("/v1/embeddings", json{{"input", {json::array()}}}), 400,
                      "input[0]");
  EXPECT_OPENAI_ERROR(srv.post("/v1/embeddings", json{{"input", "a"}, {"model", 5}}), 400,
                      "`model`");
  EXPECT_OPENAI_ERROR(srv.post("/v1/embeddings", json{{"input", "a"}, {"encoding_format", "hex"}}),
                      400, "encoding_format");
  for (const json& d : {json(0), json(9), json(-1), json("4"), json(2.5)}) {
    EXPECT_OPENAI_ERROR(srv.post("/v1/embeddings", json{{"input", "a"}, {"dimensions", d}}), 400,
                        "dimensions");
  }
  EXPECT_OPENAI_ERROR(srv.post("/v1/embeddings", json{{"input", {{1, 5000}}}}), 400,
                      "outside the vocabulary");
  EXPECT_OPENAI_ERROR(srv.post("/v1/embeddings", json{{"input", {{1, -4}}}}), 400, "input[0]");
  std::vector<int32_t> too_many_ids(17, 105);
  EXPECT_OPENAI_ERROR(srv.post("/v1/embeddings", json{{"input", too_many_ids}}), 413,
                      "17 token ids");

  EXPECT_TEI_ERROR(srv.post("/embed", json{{"input", "a"}}), 422, "`inputs`");
  EXPECT_TEI_ERROR(srv.post("/embed", json{{"inputs", "a"}, {"normalize", "yes"}}), 422,
                   "`normalize`");
  EXPECT_TEI_ERROR(srv.post("/embed", json{{"inputs", "a"}, {"truncate", 1}}), 422, "`truncate`");
  EXPECT_TEI_ERROR(srv.post("/embed", json{{"inputs", "a"}, {"truncation_direction", "Middle"}}),
                   422, "truncation_direction");
  // The fake model has no prompts: any name is unknown.
  EXPECT_TEI_ERROR(srv.post("/embed", json{{"inputs", "a"}, {"prompt_name", "query"}}), 422,
                   "it has none");
  EXPECT_OPENAI_ERROR(srv.post("/v1/embeddings", json{{"input", "a"}, {"prompt_name", "query"}}),
                      400, "`prompt_name`");
  EXPECT_TEI_ERROR(srv.post("/embed", std::string(R"({"inputs": [{"a": 1}]})")), 422, "inputs[0]");
  EXPECT_TEI_ERROR(srv.post("/similarity", json{{"inputs", "a"}}), 422, "`inputs`");
  EXPECT_TEI_ERROR(srv.post("/similarity", json{{"inputs", {{"sentences", {"a"}}}}}), 422,
                   "source_sentence");
  EXPECT_TEI_ERROR(
      srv.post("/similarity", json{{"inputs", {{"source_sentence", "a"}, {"sentences", {1}}}}}),
      422, "inputs.sentences[0]");
  EXPECT_TEI_ERROR(srv.post("/tokenize", json{{"inputs", {"a", 2}}}), 422, "inputs[1]");
  EXPECT_TEI_ERROR(srv.post("/tokenize", json{{"content", 2}}), 422, "`content`");
  // A text the tokenizer refuses is named by its index.
  EXPECT_TEI_ERROR(srv.post("/embed", json{{"inputs", {"ok", "bad\abell"}}}), 422, "inputs[1]");
}

TEST_F(Routes, Limits) {
  // Too many inputs (limit 8 here).
  std::vector<std::string> nine(9, "a");
  EXPECT_OPENAI_ERROR(srv.post("/v1/embeddings", json{{"input", nine}}), 413, "9 items");
  EXPECT_TEI_ERROR(srv.post("/embed", json{{"inputs", nine}}), 413, "9 items");
  EXPECT_TEI_ERROR(srv.post("/tokenize", json{{"inputs", nine}}), 413, "9 items");
  std::vector<std::string> eight(8, "a");
  EXPECT_TEI_ERROR(
      srv.post("/similarity", json{{"inputs", {{"source_sentence", "a"}, {"sentences", eight}}}}),
      413, "inputs.sentences");
  // Body over 4096 bytes: a JSON error from the HTTP layer, in the route's dialect.
  const std::string big = json{{"input", std::string(5000, 'a')}}.dump();
  EXPECT_OPENAI_ERROR(srv.post("/v1/embeddings", big), 413, "4096 bytes");
  EXPECT_TEI_ERROR(srv.post("/embed", json{{"inputs", std::string(5000, 'a')}}.dump()), 413,
                   "4096 bytes");
}

TEST_F(Routes, UnknownRoutesAndMethods) {
  EXPECT_TEI_ERROR(srv.get("/nope"), 404, "no such route");
  EXPECT_TEI_ERROR(srv.post("/v2/whatever", std::string("{}")), 404, "no such route");
  EXPECT_TEI_ERROR(srv.get("/embed"), 405, "not allowed");
  EXPECT_OPENAI_ERROR(srv.get("/v1/embeddings"), 405, "not allowed");
}

TEST_F(Routes, EngineFailureIsA500NotACrash) {
  EXPECT_OPENAI_ERROR(srv.post("/v1/embeddings", json{{"input", {{1, 999, 2}}}}), 500,
                      "fake engine failure");
  EXPECT_EQ(srv.get("/health").status, 200);
  EXPECT_EQ(srv.post("/embed", json{{"inputs", "still fine"}}).status, 200);
}

TEST(RoutesOptions, PortInUseIsAnError) {
  TestServer first(ServerOptions{}, std::make_unique<FakeBackend>());
  ServerOptions o;
  o.host = "127.0.0.1";
  o.port = first.port();
  Server second(o, std::make_unique<FakeBackend>());
  EXPECT_THROW(second.start(), Error);
  EXPECT_EQ(first.get("/health").status, 200);
}

TEST(RoutesOptions, AutoTruncate) {
  ServerOptions o;
  o.auto_truncate = true;
  TestServer srv(o, std::make_unique<FakeBackend>());
  std::string long_text;
  for (int i = 0; i < 30; ++i) long_text += "w ";
  EXPECT_EQ(srv.post("/embed", json{{"inputs", long_text}}).status, 200);
  EXPECT_EQ(srv.post("/embed", json{{"inputs", long_text}, {"truncate", false}}).status, 422);
  EXPECT_EQ(srv.get("/info").parsed()["auto_truncate"], true);
}

TEST(RoutesOptions, DefaultPromptIsPrependedToTextsNotIds) {
  ServerOptions o;
  o.default_prompt = "find this: ";
  o.openai_token_ids = true;
  TestServer srv(o, std::make_unique<FakeBackend>());
  Reply r = srv.post("/v1/embeddings", json{{"input", "big world"}});
  ASSERT_EQ(r.status, 200) << r.body;
  expect_close(r.parsed()["data"][0]["embedding"], expected("find this: big world"));
  EXPECT_EQ(r.parsed()["usage"]["prompt_tokens"], 6);  // [CLS] find this: big world [SEP]
  r = srv.post("/embed", json{{"inputs", "big world"}});
  ASSERT_EQ(r.status, 200) << r.body;
  expect_close(r.parsed()[0], expected("find this: big world"));
  r = srv.post("/tokenize", json{{"inputs", "big world"}, {"add_special_tokens", false}});
  ASSERT_EQ(r.status, 200) << r.body;
  ASSERT_EQ(r.parsed()[0].size(), 4u) << r.body;
  EXPECT_EQ(r.parsed()[0][0]["text"], "find");
  // Token ids are embedded as given.
  r = srv.post("/v1/embeddings", json{{"input", {1, 103, 105, 2}}});
  ASSERT_EQ(r.status, 200) << r.body;
  expect_close(r.parsed()["data"][0]["embedding"], expected("big world"));
  EXPECT_EQ(r.parsed()["usage"]["prompt_tokens"], 4);
}

TEST(RoutesAuth, ApiKey) {
  ServerOptions o;
  o.api_key = "s3cret";
  TestServer srv(o, std::make_unique<FakeBackend>());
  EXPECT_OPENAI_ERROR(srv.post("/v1/embeddings", json{{"input", "a"}}), 401, "API key");
  EXPECT_TEI_ERROR(srv.post("/embed", json{{"inputs", "a"}}, {{"Authorization", "Bearer nope"}}),
                   401, "API key");
  EXPECT_TEI_ERROR(srv.get("/metrics", {{"Authorization", "s3cret"}}), 401, "API key");
  EXPECT_EQ(
      srv.post("/v1/embeddings", json{{"input", "a"}}, {{"Authorization", "Bearer s3cret"}}).status,
      200);
  EXPECT_EQ(srv.get("/info", {{"Authorization", "Bearer s3cret"}}).status, 200);
  EXPECT_EQ(srv.get("/health").status, 200);  // load balancers probe without a key
}

// Polls until `done` holds (or 30 s pass, for a loaded machine).
template <typename F>
bool wait_for(F done) {
  for (int i = 0; i < 3000; ++i) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

TEST(RoutesQueue, QueueFullIs429WithRetryAfter) {
  ServerOptions o;
  o.max_queue_requests = 1;
  auto backend = std::make_unique<FakeBackend>();
  backend->delay_ms = 1500;
  FakeBackend* fb = backend.get();
  TestServer srv(o, std::move(backend));
  auto send = [&srv](int i) {
    return std::async(std::launch::async, [&srv, i] {
      return srv.post("/embed", json{{"inputs", "text " + std::to_string(i)}});
    });
  };
  // One request in the engine, one waiting in the queue: the queue is then full.
  auto running = send(0);
  ASSERT_TRUE(wait_for([&] { return fb->batches.load() == 1; }));
  auto queued = send(1);
  ASSERT_TRUE(wait_for([&] {
    return srv.get("/metrics").body.find("\nsembed_queue_size 1\n") != std::string::npos;
  }));
  for (int i = 2; i < 5; ++i) {
    const Reply r = srv.post("/embed", json{{"inputs", "refused " + std::to_string(i)}});
    EXPECT_TEI_ERROR(r, 429, "queue is full");
    EXPECT_EQ(r.header("Retry-After"), "1");
    EXPECT_EQ(json::parse(r.body)["error_type"], "Overloaded");
  }
  EXPECT_EQ(running.get().status, 200);
  EXPECT_EQ(queued.get().status, 200);
  const Reply m = srv.get("/metrics");
  EXPECT_NE(m.body.find("sembed_queue_full_total 3"), std::string::npos);
  // Once drained, requests are accepted again.
  EXPECT_EQ(srv.post("/embed", json{{"inputs", "later"}}).status, 200);
}

TEST(RoutesShutdown, StopLetsInFlightRequestsFinish) {
  auto backend = std::make_unique<FakeBackend>();
  backend->delay_ms = 500;
  FakeBackend* fb = backend.get();
  auto srv = std::make_unique<TestServer>(ServerOptions{}, std::move(backend));
  auto reply = std::async(std::launch::async, [&] {
    return srv->post("/embed", json{{"inputs", {"in", "flight"}}});
  });
  ASSERT_TRUE(wait_for([&] { return fb->batches.load() == 1; }));  // in the engine now
  srv->server().stop();
  const Reply r = reply.get();
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.parsed().size(), 2u);
  // The last answer on a keep-alive connection says it closes (RFC 9112 9.6), so the client
  // knows to send its next request elsewhere rather than on a connection that will not answer.
  EXPECT_EQ(r.header("Connection"), "close");
  // Stopped: new connections are refused.
  EXPECT_EQ(srv->get("/health").status, 0);
}

TEST_F(Routes, TeiRoutesBesideEmbed) {
  // POST / embeds (TEI's default route for an embedding model); GET / is a health check.
  const Reply root = srv.post("/", json{{"inputs", "abc de"}});
  ASSERT_EQ(root.status, 200) << root.body;
  EXPECT_EQ(root.parsed(), srv.post("/embed", json{{"inputs", "abc de"}}).parsed());
  EXPECT_EQ(srv.get("/").status, 200);
  EXPECT_EQ(srv.post("/invocations", json{{"inputs", "abc"}}).status, 200);
  // ... and sentence similarity when `inputs` is {source_sentence, sentences}, as
  // huggingface_hub's sentence_similarity posts it; options may sit in `parameters`.
  const json pair = {{"source_sentence", "abc de"}, {"sentences", {"abc de", "f"}}};
  const Reply root_sim = srv.post("/", json{{"inputs", pair}, {"parameters", json::object()}});
  ASSERT_EQ(root_sim.status, 200) << root_sim.body;
  EXPECT_EQ(root_sim.parsed(), srv.post("/similarity", json{{"inputs", pair}}).parsed());
  EXPECT_EQ(
      srv.post("/", json{{"inputs", "abc de"}, {"parameters", {{"normalize", false}}}}).parsed(),
      srv.post("/embed", json{{"inputs", "abc de"}, {"normalize", false}}).parsed());

  // /similarity reads TEI's `parameters`.
  std::string long_text;
  for (int i = 0; i < 20; ++i) long_text += "w ";
  const json sim = {{"source_sentence", "abc"}, {"sentences", {"abc", long_text}}};
  EXPECT_TEI_ERROR(srv.post("/similarity", json{{"inputs", sim}}), 422, "inputs.sentences[1]");
  Reply r = srv.post("/similarity", json{{"inputs", sim}, {"parameters", {{"truncate", true}}}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_NEAR(r.parsed()[0].get<float>(), 1.0f, 1e-6f);
  EXPECT_TEI_ERROR(srv.post("/similarity", json{{"inputs", sim}, {"parameters", 3}}), 422,
                   "`parameters`");

  // No cross-encoder or classifier: TEI's 424 for an embedding model, after validation.
  r = srv.post("/rerank", json{{"query", "q"}, {"texts", {"a", "b"}}});
  EXPECT_TEI_ERROR(r, 424, "not a re-ranker");
  EXPECT_EQ(r.parsed()["error_type"], "Backend");
  EXPECT_TEI_ERROR(srv.post("/rerank", json{{"query", "q"}, {"texts", json::array()}}), 400,
                   "`texts`");
  EXPECT_TEI_ERROR(srv.post("/rerank", json{{"texts", {"a"}}}), 422, "`query`");
  EXPECT_TEI_ERROR(srv.post("/predict", json{{"inputs", "a"}}), 424, "not a classifier");
  EXPECT_TEI_ERROR(srv.post("/predict", json{{"inputs", 3}}), 422, "`inputs`");
  // The fake backend has no token embeddings: /embed_all says so (the real model is tested in
  // model_server_test.cpp).
  EXPECT_TEI_ERROR(srv.post("/embed_all", json{{"inputs", "a"}}), 424, "token embeddings");

  // /decode: one sequence or a batch; special tokens skipped unless asked.
  EXPECT_EQ(srv.post("/decode", json{{"ids", {1, 105, 103, 2}}}).parsed(), json({"t105 t103"}));
  EXPECT_EQ(srv.post("/decode", json{{"ids", {{1, 105}, {2}}}, {"skip_special_tokens", false}})
                .parsed(),
            json({"t1 t105", "t2"}));
  EXPECT_TEI_ERROR(srv.post("/decode", json{{"ids", {1, 5000}}}), 422, "ids[1]");
  EXPECT_TEI_ERROR(srv.post("/decode", json{{"ids", "abc"}}), 422, "`ids`");

  const json info = srv.get("/info").parsed();
  EXPECT_EQ(info["served_model_name"], "fake-model");
  EXPECT_TRUE(info.contains("tokenization_workers"));
}

TEST_F(Routes, TokenizeAnyLengthWithTheRequestedTruncation) {
  // 60 words: more than the fake model tokenizes for embedding (40) and its max_seq_length (16).
  std::string text;
  for (int i = 0; i < 60; ++i) text += std::string(1 + i % 3, 'a' + i % 26) + " ";
  Reply r = srv.post("/tokenize", json{{"inputs", text}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.parsed()[0].size(), 62u);
  r = srv.post("/tokenize", json{{"inputs", text}, {"truncate", true}});
  ASSERT_EQ(r.status, 200) << r.body;
  const json right = r.parsed()[0];
  ASSERT_EQ(right.size(), 16u);
  EXPECT_EQ(right[0]["special"], true);
  EXPECT_EQ(right[15]["special"], true);
  EXPECT_EQ(right[1]["start"], 0);
  r = srv.post("/tokenize",
               json{{"inputs", text}, {"truncate", true}, {"truncation_direction", "Left"}});
  const json left = r.parsed()[0];
  ASSERT_EQ(left.size(), 16u);
  EXPECT_EQ(left[14]["stop"].get<size_t>(), text.size() - 1);  // the last word, before the space
}

TEST(RoutesOptions, OpenAiTokenIdsRefusedByDefault) {
  TestServer srv(ServerOptions{}, std::make_unique<FakeBackend>());
  const Reply r = srv.post("/v1/embeddings", json{{"input", {{1, 105, 2}}}});
  EXPECT_OPENAI_ERROR(r, 400, "check_embedding_ctx_length=False");
  EXPECT_NE(r.body.find("--openai-token-ids model"), std::string::npos) << r.body;
  EXPECT_EQ(srv.get("/info").parsed()["openai_token_ids"], "refuse");
  EXPECT_EQ(srv.post("/v1/embeddings", json{{"input", "text is fine"}}).status, 200);
}

TEST_F(Routes, HttpMethodAndMediaType) {
  const Reply r = srv.get("/embed");
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(r.header("Allow"), "POST");
  auto c = srv.client();
  const auto form = c->Post("/embed", "inputs=a", "application/x-www-form-urlencoded");
  ASSERT_TRUE(form);
  EXPECT_EQ(form->status, 415);
  const auto charset = c->Post("/embed", R"({"inputs":"a"})", "application/json; charset=utf-8");
  ASSERT_TRUE(charset);
  EXPECT_EQ(charset->status, 200);
}

}  // namespace
}  // namespace sembed::server::testing
