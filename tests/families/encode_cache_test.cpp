// Model::encode with an EmbeddingCache (EncodeOptions::cache): every answer is bit-identical to
// encode() without one — for each pooling mode, prompt and normalization, texts repeated within
// a call, a cache shared by two models of the same width — and the cache stays in its budget.
#include <gtest/gtest.h>

#include <filesystem>
#include <sembed/sembed.hpp>

namespace sembed {
namespace {

const std::filesystem::path kRoot = std::filesystem::path(SEMBED_SOURCE_DIR) / "tests/fixtures/families";

void expect_identical(const Matrix& a, const Matrix& b, const std::string& what) {
  ASSERT_EQ(a.rows, b.rows) << what;
  ASSERT_EQ(a.cols, b.cols) << what;
  for (size_t i = 0; i < a.data.size(); ++i)
    ASSERT_EQ(a.data[i], b.data[i]) << what << " at " << i / a.cols << "," << i % a.cols;
}

TEST(EncodeCache, AnswersAreBitIdenticalForEveryOption) {
  auto model = Model::load(kRoot / "roberta-prompts", LoadOptions{2});
  auto cache = std::make_shared<EmbeddingCache>(1 << 20);
  const std::vector<std::string> texts = {"A man is playing a guitar.", "one", "",
                                          "A man is playing a guitar.", "the cat sat on the mat"};
  for (int round = 0; round < 2; ++round) {
    for (const char* pooling : {"mean", "cls", "max"}) {
      for (const std::optional<std::string>& prompt :
           {std::optional<std::string>{}, std::optional<std::string>{""},
            std::optional<std::string>{"passage: "}}) {
        for (const std::optional<bool>& normalize :
             {std::optional<bool>{}, std::optional<bool>{false}, std::optional<bool>{true}}) {
          EncodeOptions plain;
          plain.pooling = parse_pooling_mode(pooling);
          plain.prompt = prompt;
          plain.normalize = normalize;
          EncodeOptions cached = plain;
          cached.cache = cache;
          expect_identical(model->encode(texts, cached), model->encode(texts, plain),
                           std::string(pooling) + " prompt '" + prompt.value_or("(default)") + "'");
        }
      }
    }
  }
  const auto s = cache->stats();
  EXPECT_GT(s.hits, s.misses);  // the second round is all hits
  EXPECT_LE(s.bytes, s.max_bytes);
}

TEST(EncodeCache, TwoModelsShareACacheWithoutMixingRows) {
  auto a = Model::load(kRoot / "gte-en", LoadOptions{2});
  auto b = Model::load(kRoot / "distilbert", LoadOptions{2});
  ASSERT_EQ(a->dimension(), b->dimension());
  EncodeOptions cached;
  cached.cache = std::make_shared<EmbeddingCache>(1 << 20);
  const std::vector<std::string> texts = {"the cat sat on the mat", "a dog runs"};
  for (int round = 0; round < 2; ++round) {
    expect_identical(a->encode(texts, cached), a->encode(texts), "gte-en");
    expect_identical(b->encode(texts, cached), b->encode(texts), "distilbert");
  }
  EXPECT_EQ(cached.cache->stats().hits, 4u);
}

TEST(EncodeCache, StaysWithinItsBudget) {
  auto model = Model::load(kRoot / "gte-en", LoadOptions{2});
  EncodeOptions cached;
  cached.cache = std::make_shared<EmbeddingCache>(4096);
  const char* words[] = {"cat", "dog", "sat", "mat", "man", "woman", "child", "plays", "guitar", "piano"};
  std::vector<std::string> texts;
  for (int i = 0; i < 300; ++i)
    texts.push_back(std::string(words[i % 10]) + " " + words[i / 10 % 10] + " " + words[i / 100]);
  const Matrix got = model->encode(texts, cached);
  expect_identical(got, model->encode(texts), "300 texts through a 4 KiB cache");
  EXPECT_LE(cached.cache->stats().bytes, 4096u);
  EXPECT_GT(cached.cache->stats().evictions, 0u);
}

}  // namespace
}  // namespace sembed
