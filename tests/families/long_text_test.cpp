// Chunk mode (EncodeOptions::long_text = Chunk) against tests/golden/long_text.json, which
// scripts/make_long_text_golden.py computes with sentence-transformers and HF tokenizers on every
// random-weight family fixture: the windows (token ids, prompt tokens, token and character
// boundaries) equal the reference's exactly; each window's embedding and the text's weighted
// mean within 1e-5 of the largest magnitude (as the family fixtures' bar). Also: a text that
// fits is bit-identical to truncate mode; a text's vector does not depend on its batch; a window
// cache changes nothing; bad overlaps and prompts are refused by name.
#include <gtest/gtest.h>

#include <sembed/sembed.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>

namespace sembed {
namespace {

namespace fs = std::filesystem;

const fs::path kFixtures = fs::path(SEMBED_SOURCE_DIR) / "tests/fixtures/families";

const nlohmann::json& golden() {
  static const nlohmann::json g = [] {
    std::ifstream in(fs::path(SEMBED_SOURCE_DIR) / "tests/golden/long_text.json");
    return nlohmann::json::parse(in);
  }();
  return g;
}

std::vector<std::string> golden_names() {
  std::vector<std::string> names;
  for (const auto& f : golden()["fixtures"]) names.push_back(f["name"].get<std::string>());
  return names;
}

const nlohmann::json& fixture(const std::string& name) {
  for (const auto& f : golden()["fixtures"])
    if (f["name"] == name) return f;
  throw std::runtime_error("no golden fixture " + name);
}

EncodeOptions options_of(const nlohmann::json& c) {
  EncodeOptions o;
  o.long_text = LongText::Chunk;
  o.chunk_overlap = c["overlap"].get<size_t>();
  if (!c["prompt_name"].is_null()) o.prompt_name = c["prompt_name"].get<std::string>();
  o.batch_size = 3;
  return o;
}

// max |a - b| over the row, and the largest |expected| (the bound is relative to it).
void compare_row(const float* got, const std::vector<float>& expected, double& worst,
                 double& largest) {
  for (size_t j = 0; j < expected.size(); ++j) {
    worst = std::max(worst, std::fabs(double(got[j]) - expected[j]));
    largest = std::max(largest, std::fabs(double(expected[j])));
  }
}

std::string words(size_t n, const char* word = "the cat sat ") {
  std::string s;
  for (size_t i = 0; i < n; ++i) s += word;
  return s;
}

class LongTextGolden : public ::testing::TestWithParam<std::string> {};

TEST_P(LongTextGolden, WindowsMatchTheReference) {
  auto model = Model::load(kFixtures / GetParam(), LoadOptions{2});
  for (const auto& c : fixture(GetParam())["cases"]) {
    const EncodeOptions o = options_of(c);
    for (const auto& t : c["texts"]) {
      const auto chunks = model->chunk(t["text"].get<std::string>(), o);
      const auto& want = t["chunks"];
      ASSERT_EQ(chunks.size(), want.size()) << GetParam() << " overlap " << o.chunk_overlap;
      for (size_t k = 0; k < chunks.size(); ++k) {
        const std::string where = GetParam() + " overlap " + std::to_string(o.chunk_overlap) +
                                  " window " + std::to_string(k);
        EXPECT_EQ(chunks[k].ids, want[k]["ids"].get<std::vector<int32_t>>()) << where;
        EXPECT_EQ(chunks[k].prompt_tokens, want[k]["prompt_tokens"].get<size_t>()) << where;
        EXPECT_EQ(chunks[k].token_begin, want[k]["token_begin"].get<size_t>()) << where;
        EXPECT_EQ(chunks[k].token_end, want[k]["token_end"].get<size_t>()) << where;
        EXPECT_EQ(chunks[k].char_begin, want[k]["char_begin"].get<size_t>()) << where;
        EXPECT_EQ(chunks[k].char_end, want[k]["char_end"].get<size_t>()) << where;
        EXPECT_LE(chunks[k].ids.size(), fixture(GetParam())["max_seq_length"].get<size_t>());
      }
    }
  }
}

TEST_P(LongTextGolden, EmbeddingsMatchSentenceTransformers) {
  auto model = Model::load(kFixtures / GetParam(), LoadOptions{2});
  double worst_window = 0, largest_window = 0, worst_text = 0, largest_text = 0;
  for (const auto& c : fixture(GetParam())["cases"]) {
    const EncodeOptions o = options_of(c);
    std::vector<std::string> texts;
    for (const auto& t : c["texts"]) texts.push_back(t["text"].get<std::string>());
    const auto per_text = model->encode_chunks(texts, o);
    const Matrix combined = model->encode(texts, o);
    ASSERT_EQ(per_text.size(), texts.size());
    for (size_t i = 0; i < texts.size(); ++i) {
      const auto& want = c["texts"][i];
      ASSERT_EQ(per_text[i].embeddings.rows, want["chunks"].size());
      for (size_t k = 0; k < per_text[i].embeddings.rows; ++k)
        compare_row(per_text[i].embeddings.row(k),
                    want["chunks"][k]["embedding"].get<std::vector<float>>(), worst_window,
                    largest_window);
      compare_row(combined.row(i), want["embedding"].get<std::vector<float>>(), worst_text,
                  largest_text);
    }
  }
  // SEMBED_PRINT_BOUNDS=1: print the measured figures (docs/testing.md quotes them).
  if (std::getenv("SEMBED_PRINT_BOUNDS"))
    std::printf("BOUND long-text %s window max_rel_delta %.3g text max_rel_delta %.3g\n",
                GetParam().c_str(), worst_window / largest_window, worst_text / largest_text);
  EXPECT_LE(worst_window, 1e-5 * largest_window) << GetParam();
  EXPECT_LE(worst_text, 1e-5 * largest_text) << GetParam();
}

INSTANTIATE_TEST_SUITE_P(Families, LongTextGolden, ::testing::ValuesIn(golden_names()),
                         [](const auto& info) {
                           std::string n = info.param;
                           std::replace(n.begin(), n.end(), '-', '_');
                           return n;
                         });

bool same_bits(const Matrix& a, const Matrix& b) {
  return a.rows == b.rows && a.cols == b.cols &&
         std::equal(a.data.begin(), a.data.end(), b.data.begin(),
                    [](float x, float y) { return std::memcmp(&x, &y, sizeof x) == 0; });
}

TEST(LongText, ATextThatFitsIsBitIdenticalToTruncation) {
  for (const char* name : {"bert-dense", "roberta-prompts", "modernbert"}) {
    auto model = Model::load(kFixtures / name, LoadOptions{2});
    const std::vector<std::string> texts = {"A man is playing a guitar.", "", "one",
                                            "the cat sat on the mat"};
    EncodeOptions chunk;
    chunk.long_text = LongText::Chunk;
    EXPECT_TRUE(same_bits(model->encode(texts, chunk), model->encode(texts))) << name;
    for (bool normalize : {true, false}) {
      EncodeOptions truncate;
      truncate.normalize = chunk.normalize = normalize;
      EXPECT_TRUE(same_bits(model->encode(texts, chunk), model->encode(texts, truncate)))
          << name << " normalize " << normalize;
    }
  }
}

TEST(LongText, AVectorDoesNotDependOnItsBatchOrTheCache) {
  auto model = Model::load(kFixtures / "nomic-bert", LoadOptions{2});
  EncodeOptions o;
  o.long_text = LongText::Chunk;
  o.chunk_overlap = 7;
  const std::string a = words(200), b = words(90, "dog walked in parks, "), c = "short";
  const Matrix alone = model->encode({a}, o);
  o.batch_size = 2;
  const Matrix mixed = model->encode({c, b, a}, o);
  Matrix row_a(1, mixed.cols);
  std::copy(mixed.row(2), mixed.row(2) + mixed.cols, row_a.row(0));
  EXPECT_TRUE(same_bits(alone, row_a));
  o.cache = std::make_shared<EmbeddingCache>(1 << 20);
  const Matrix cold = model->encode({c, b, a}, o);
  const Matrix warm = model->encode({c, b, a}, o);
  EXPECT_TRUE(same_bits(cold, mixed));
  EXPECT_TRUE(same_bits(warm, mixed));
  EXPECT_GT(o.cache->stats().hits, 0u);
}

TEST(LongText, WindowsCoverTheWholeTextWithTheOverlapAsked) {
  auto model = Model::load(kFixtures / "bert-dense", LoadOptions{1});  // max_seq_length 32
  EncodeOptions o;
  o.long_text = LongText::Chunk;
  o.chunk_overlap = 5;
  const std::string text = words(50);  // 150 tokens
  const auto chunks = model->chunk(text, o);
  ASSERT_GT(chunks.size(), 1u);
  EXPECT_EQ(chunks.front().token_begin, 0u);
  for (size_t k = 0; k + 1 < chunks.size(); ++k) {
    EXPECT_EQ(chunks[k].ids.size(), 32u);
    EXPECT_EQ(chunks[k].token_end - chunks[k + 1].token_begin, 5u);
  }
  EXPECT_EQ(chunks.back().token_end, model->tokenize(text, 100000, false).ids.size() - 2);
  EXPECT_EQ(chunks.back().char_end, text.size() - 1);  // the last word's end (no trailing space)
}

TEST(LongText, RefusesAnOverlapThatLeavesNoNewTokens) {
  auto model = Model::load(kFixtures / "bert-dense", LoadOptions{1});
  EncodeOptions o;
  o.long_text = LongText::Chunk;
  o.chunk_overlap = 30;  // a window holds 30 text tokens
  try {
    model->encode({words(40)}, o);
    FAIL() << "an overlap of a whole window was accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("chunk_overlap 30 must be less than the 30"),
              std::string::npos)
        << e.what();
  }
  o.chunk_overlap = 30;  // a short text needs no windows: the overlap does not matter
  EXPECT_NO_THROW(model->encode({"short"}, o));
}

TEST(LongText, RefusesAPromptThatFillsTheWindow) {
  auto model = Model::load(kFixtures / "bert-dense", LoadOptions{1});
  EncodeOptions o;
  o.long_text = LongText::Chunk;
  o.prompt = words(20);  // 60 tokens, more than the 32 of a window
  try {
    model->encode({words(40)}, o);
    FAIL() << "a prompt longer than a window was accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("leaving none for the text"), std::string::npos)
        << e.what();
  }
}

TEST(LongText, ParsesItsModeNames) {
  EXPECT_EQ(parse_long_text("chunk"), LongText::Chunk);
  EXPECT_EQ(parse_long_text("truncate"), LongText::Truncate);
  EXPECT_EQ(to_string(LongText::Chunk), "chunk");
  try {
    parse_long_text("split");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("'split' (choose one of truncate, chunk)"),
              std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace sembed
