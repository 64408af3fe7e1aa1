// The server applies a model's prompts as sentence-transformers does, on the roberta-prompts
// fixture (default_prompt_name "query"; Pooling include_prompt false, so each sequence's prompt
// tokens are left out of pooling): /embed and /v1/embeddings with and without prompt_name equal
// the reference rows of tests/fixtures/families/roberta-prompts/reference.json, an unknown name
// is refused naming the model's prompts, usage and /tokenize count the prompt, and concurrent
// requests with different prompts, batched together, each get their own rows.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sembed/sembed.hpp>
#include <thread>

#include "test_server.hpp"

namespace sembed::server::testing {
namespace {

const std::filesystem::path kFixture =
    std::filesystem::path(SEMBED_SOURCE_DIR) / "tests/fixtures/families/roberta-prompts";

const json& reference() {
  static const json ref = [] {
    std::ifstream in(kFixture / "reference.json");
    return json::parse(in);
  }();
  return ref;
}

std::vector<std::string> texts() { return reference()["texts"].get<std::vector<std::string>>(); }

// sentence-transformers' embeddings (normalized: the model ends with Normalize) for the case
// with the model's own pooling and this prompt_name / prompt (nullptr: not given).
const json& reference_rows(const json& prompt_name, const json& prompt) {
  for (const json& c : reference()["cases"]) {
    const bool own_pooling = c["pooling"].is_null() || c["pooling"] == "mean";
    if (own_pooling && c["prompt_name"] == prompt_name && c["prompt"] == prompt) {
      return c["embeddings"];
    }
  }
  throw std::runtime_error("reference.json has no case for prompt_name " + prompt_name.dump() +
                           ", prompt " + prompt.dump());
}

// Largest |got - want| over all rows.
double max_abs_diff(const json& got, const json& want) {
  EXPECT_EQ(got.size(), want.size());
  double d = 0;
  for (size_t i = 0; i < std::min(got.size(), want.size()); ++i) {
    EXPECT_EQ(got[i].size(), want[i].size()) << "row " << i;
    for (size_t j = 0; j < std::min(got[i].size(), want[i].size()); ++j) {
      d = std::max(d, std::abs(got[i][j].get<double>() - want[i][j].get<double>()));
    }
  }
  return d;
}

json openai_rows(const Reply& r) {
  const json body = r.parsed();
  json rows = json::array();
  for (const json& d : body["data"]) rows.push_back(d["embedding"]);
  return rows;
}

std::shared_ptr<const Model> prompts_model() {
  static std::shared_ptr<const Model> model = Model::load(kFixture, LoadOptions{1});
  return model;
}

class PromptServer : public ::testing::Test {
 protected:
  static ServerOptions options() {
    ServerOptions o;
    o.max_batch_tokens = 4096;
    return o;
  }
  std::shared_ptr<const Model> model = prompts_model();
  TestServer srv{options(), make_model_backend(model)};
};

TEST_F(PromptServer, EmbedWithoutPromptNameUsesTheModelsDefault) {
  // The texts run past max_seq_length (48) with the prompt: truncation counts the prompt.
  const Reply r = srv.post("/embed", json{{"inputs", texts()}, {"truncate", true}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_LE(max_abs_diff(r.parsed(), reference_rows(nullptr, nullptr)), 1e-5);
  EXPECT_LE(max_abs_diff(r.parsed(), reference_rows("query", nullptr)), 1e-5);
  // Without truncation the over-long text is refused, its length counted with the prompt.
  const Reply t = srv.post("/embed", json{{"inputs", texts()[7]}});
  EXPECT_EQ(t.status, 422) << t.body;
  EXPECT_NE(t.body.find("with its prompt"), std::string::npos) << t.body;
}

TEST_F(PromptServer, EmbedWithPromptNameMatchesSentenceTransformers) {
  for (const char* name : {"query", "passage"}) {
    const Reply r =
        srv.post("/embed", json{{"inputs", texts()}, {"truncate", true}, {"prompt_name", name}});
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_LE(max_abs_diff(r.parsed(), reference_rows(name, nullptr)), 1e-5) << name;
  }
  // TEI's `parameters` object carries it too (huggingface_hub's feature_extraction).
  const Reply p = srv.post(
      "/",
      json{{"inputs", texts()}, {"parameters", {{"truncate", true}, {"prompt_name", "passage"}}}});
  ASSERT_EQ(p.status, 200) << p.body;
  EXPECT_LE(max_abs_diff(p.parsed(), reference_rows("passage", nullptr)), 1e-5);
  // The "document" prompt is "": the texts alone, as an explicit empty prompt.
  const Reply d = srv.post(
      "/embed", json{{"inputs", texts()}, {"truncate", true}, {"prompt_name", "document"}});
  ASSERT_EQ(d.status, 200) << d.body;
  EXPECT_LE(max_abs_diff(d.parsed(), reference_rows(nullptr, "")), 1e-5);
}

TEST_F(PromptServer, OpenAIPromptNameExtension) {
  const Reply q = srv.post("/v1/embeddings", json{{"input", texts()}});
  ASSERT_EQ(q.status, 200) << q.body;
  EXPECT_LE(max_abs_diff(openai_rows(q), reference_rows("query", nullptr)), 1e-5);
  const Reply p = srv.post("/v1/embeddings", json{{"input", texts()}, {"prompt_name", "passage"}});
  ASSERT_EQ(p.status, 200) << p.body;
  EXPECT_LE(max_abs_diff(openai_rows(p), reference_rows("passage", nullptr)), 1e-5);

  // usage counts the prompt's tokens: what the engine was sent.
  size_t tokens = 0;
  for (const std::string& t : texts()) tokens += model->tokenize("passage: " + t).ids.size();
  EXPECT_EQ(p.parsed()["usage"]["prompt_tokens"], tokens);
  EXPECT_EQ(p.parsed()["usage"]["total_tokens"], tokens);

  // Token ids never get a prompt, nor a prompt length to leave out of pooling.
  const TokenizedText ids = model->tokenize("passage: " + texts()[0]);
  ServerOptions o;
  o.openai_token_ids = true;
  TestServer with_ids(o, make_model_backend(model));
  const Reply i = with_ids.post("/v1/embeddings", json{{"input", ids.ids}});
  ASSERT_EQ(i.status, 200) << i.body;
  const Matrix want = model->encode_ids({ids.ids});
  for (size_t c = 0; c < want.cols; ++c) {
    EXPECT_NEAR(i.parsed()["data"][0]["embedding"][c].get<float>(), want.at(0, c), 1e-6f);
  }
}

TEST_F(PromptServer, UnknownPromptNameIsRefusedNamingThePrompts) {
  for (const char* path : {"/embed", "/embed_all", "/tokenize", "/similarity"}) {
    const json body = std::string(path) == "/similarity"
                          ? json{{"inputs", {{"source_sentence", "a"}, {"sentences", {"b"}}}},
                                 {"prompt_name", "search"}}
                          : json{{"inputs", "a"}, {"prompt_name", "search"}};
    const Reply r = srv.post(path, body);
    EXPECT_EQ(r.status, 422) << path << ": " << r.body;
    const std::string message = r.parsed()["error"].get<std::string>();
    EXPECT_NE(message.find("'search'"), std::string::npos) << message;
    EXPECT_NE(message.find("document, passage, query"), std::string::npos) << message;
  }
  const Reply o = srv.post("/v1/embeddings", json{{"input", "a"}, {"prompt_name", "search"}});
  EXPECT_EQ(o.status, 400) << o.body;
  EXPECT_EQ(o.parsed()["error"]["param"], "prompt_name") << o.body;
  EXPECT_NE(o.body.find("document, passage, query"), std::string::npos) << o.body;
  const Reply t = srv.post("/embed", json{{"inputs", "a"}, {"prompt_name", 3}});
  EXPECT_EQ(t.status, 422) << t.body;
}

TEST_F(PromptServer, TokenizeAndEmbedAllSeeThePrompt) {
  const std::string text = texts()[0];
  const Reply d = srv.post("/tokenize", json{{"inputs", text}});
  ASSERT_EQ(d.status, 200) << d.body;
  const std::vector<int32_t> want = model->tokenize("query: " + text).ids;
  ASSERT_EQ(d.parsed()[0].size(), want.size()) << d.body;
  for (size_t i = 0; i < want.size(); ++i) EXPECT_EQ(d.parsed()[0][i]["id"], want[i]) << i;
  EXPECT_EQ(d.parsed()[0][1]["text"], "query") << d.body;  // offsets count from the prompt

  const Reply p = srv.post("/tokenize", json{{"inputs", text}, {"prompt_name", "passage"}});
  ASSERT_EQ(p.status, 200) << p.body;
  EXPECT_EQ(p.parsed()[0].size(), model->tokenize("passage: " + text).ids.size());

  const Reply a = srv.post("/embed_all", json{{"inputs", text}, {"prompt_name", "passage"}});
  ASSERT_EQ(a.status, 200) << a.body.substr(0, 300);
  EncodeOptions passage;
  passage.prompt_name = "passage";
  const Matrix states = model->encode_tokens({text}, passage)[0];
  ASSERT_EQ(a.parsed()[0].size(), states.rows);
  for (size_t t = 0; t < states.rows; ++t) {
    for (size_t c = 0; c < states.cols; ++c) {
      EXPECT_EQ(a.parsed()[0][t][c].get<float>(), states.at(t, c)) << t << "," << c;
    }
  }
}

TEST_F(PromptServer, LeftTruncationKeepsWhatIsLeftOfThePrompt) {
  // The prompt counts toward max_seq_length (48) in either direction; keeping the end of a long
  // text cuts the prompt's tokens from the front, and only what is left of them (with the
  // leading <s>, which sentence-transformers counts in the prompt) is left out of pooling.
  const size_t max_len = model->max_seq_length();
  const size_t prompt_len = model->prompt_length("query: ");
  ASSERT_GT(prompt_len, 2u);
  std::string text;
  for (const char* word : {"one", "two", "cat", "dog", "sun", "sea", "red", "big"}) {
    text += word;
    text += ' ';
  }
  for (int i = 0; i < 4; ++i) text += text;                           // 128 words
  for (size_t extra : {size_t{1}, prompt_len - 1, prompt_len + 5}) {  // tokens cut
    // Grow the text until prompt + text is max_len + extra tokens long.
    std::string t;
    std::vector<int32_t> all;
    for (size_t n = 1; n <= text.size(); ++n) {
      t = text.substr(0, n);
      all = model->tokenize("query: " + t, 66, false).ids;
      if (all.size() >= max_len + extra) break;
    }
    ASSERT_GE(all.size(), max_len + extra) << "no prefix of the text has that many tokens";
    const size_t cut = all.size() - max_len;
    std::vector<int32_t> left = {all.front()};
    left.insert(left.end(), all.end() - static_cast<std::ptrdiff_t>(max_len - 1), all.end());
    const Matrix want =
        model->encode_ids({left}, std::vector<size_t>{prompt_len - std::min(cut, prompt_len - 1)});
    const Reply r = srv.post(
        "/embed", json{{"inputs", t}, {"truncate", true}, {"truncation_direction", "Left"}});
    ASSERT_EQ(r.status, 200) << r.body;
    for (size_t c = 0; c < want.cols; ++c) {
      EXPECT_NEAR(r.parsed()[0][c].get<float>(), want.at(0, c), 1e-6f) << "cut " << cut;
    }
  }
}

// The model's backend with a pause before each batch, so concurrent requests queue up and share
// engine calls; it records whether a batch held sequences with different prompt lengths.
class SlowBackend final : public Backend {
 public:
  explicit SlowBackend(std::unique_ptr<Backend> inner) : inner_(std::move(inner)) {}
  TokenizedText tokenize(std::string_view text) const override { return inner_->tokenize(text); }
  std::vector<int32_t> truncated_ids(std::string_view text, size_t max_length,
                                     bool keep_end) const override {
    return inner_->truncated_ids(text, max_length, keep_end);
  }
  Matrix embed(const std::vector<std::vector<int32_t>>& ids,
               const std::vector<size_t>& prompt_tokens) const override {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    for (size_t p : prompt_tokens) {
      if (p != prompt_tokens.front()) mixed_batches.fetch_add(1);
    }
    return inner_->embed(ids, prompt_tokens);
  }
  std::string prompt(const std::optional<std::string>& name) const override {
    return inner_->prompt(name);
  }
  size_t prompt_length(const std::string& prompt) const override {
    return inner_->prompt_length(prompt);
  }
  const BackendInfo& info() const override { return inner_->info(); }
  mutable std::atomic<int> mixed_batches{0};

 private:
  std::unique_ptr<Backend> inner_;
};

TEST(PromptServerBatching, ConcurrentRequestsWithDifferentPromptsGetTheirOwnRows) {
  // Clients alternate prompt names; requests queue while the engine runs and share batches, each
  // sequence carrying its own prompt length to pooling.
  auto slow = std::make_unique<SlowBackend>(make_model_backend(prompts_model()));
  const SlowBackend& backend = *slow;
  TestServer srv(ServerOptions{}, std::move(slow));
  const std::vector<std::string> all = texts();
  const char* names[] = {"query", "passage", "document"};
  const json want[] = {reference_rows("query", nullptr), reference_rows("passage", nullptr),
                       reference_rows(nullptr, "")};
  std::atomic<int> failures{0};
  std::vector<std::thread> clients;
  for (int c = 0; c < 12; ++c) {
    clients.emplace_back([&, c] {
      auto http = srv.client();
      for (int r = 0; r < 6; ++r) {
        const int p = (c + r) % 3;
        const size_t i = static_cast<size_t>(c * 6 + r) % all.size();
        const size_t j = (i + 3) % all.size();
        const json body = {{"inputs", json::array({all[i], all[j]})},
                           {"truncate", true},
                           {"prompt_name", names[p]}};
        auto res = http->Post("/embed", body.dump(), "application/json");
        if (!res || res->status != 200) {
          ++failures;
          continue;
        }
        if (max_abs_diff(json::parse(res->body), json::array({want[p][i], want[p][j]})) > 1e-5) {
          ++failures;
        }
      }
    });
  }
  for (auto& t : clients) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_GT(backend.mixed_batches.load(), 0) << "no batch held sequences with different prompts";
}

TEST(PromptServerOptions, DefaultPromptOverridesTheModels) {
  ServerOptions o;
  o.default_prompt = "task: ";
  TestServer srv(o, make_model_backend(prompts_model()));
  const Reply r = srv.post("/embed", json{{"inputs", texts()}, {"truncate", true}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_LE(max_abs_diff(r.parsed(), reference_rows(nullptr, "task: ")), 1e-5);
  // A request's prompt_name still wins.
  const Reply p = srv.post("/v1/embeddings", json{{"input", texts()}, {"prompt_name", "passage"}});
  ASSERT_EQ(p.status, 200) << p.body;
  EXPECT_LE(max_abs_diff(openai_rows(p), reference_rows("passage", nullptr)), 1e-5);

  ServerOptions named;
  named.default_prompt_name = "passage";
  TestServer by_name(named, make_model_backend(prompts_model()));
  const Reply n = by_name.post("/embed", json{{"inputs", texts()}, {"truncate", true}});
  ASSERT_EQ(n.status, 200) << n.body;
  EXPECT_LE(max_abs_diff(n.parsed(), reference_rows("passage", nullptr)), 1e-5);
}

TEST(PromptServerOptions, BadDefaultPromptOptionsStopTheServer) {
  ServerOptions unknown;
  unknown.default_prompt_name = "search";
  try {
    Server s(unknown, make_model_backend(prompts_model()));
    FAIL() << "an unknown --default-prompt-name was accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("--default-prompt-name"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("document, passage, query"), std::string::npos)
        << e.what();
  }
  ServerOptions both;
  both.default_prompt_name = "query";
  both.default_prompt = "task: ";
  EXPECT_THROW({ Server s(both, make_model_backend(prompts_model())); }, Error);
}

}  // namespace
}  // namespace sembed::server::testing
