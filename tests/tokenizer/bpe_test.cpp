// Byte-level BPE half: the properties that need no reference — bad input becomes a
// sembed::Error naming the file, field and value; the hand-written GPT-2 splitter equals the
// regex engine running the GPT-2 pattern; thread safety of the word cache. Token values are
// checked against the reference by differential_bpe.py, not here.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <sembed/error.hpp>
#include <string>
#include <thread>
#include <vector>

#include "core/utf8.hpp"
#include "tokenizer/pre_tokenizers/gpt2_split.hpp"
#include "tokenizer/regex.hpp"
#include "tokenizer/tokenizer.hpp"

namespace sembed::tokenizer {
namespace {

const std::string kRoberta = std::string(SEMBED_SOURCE_DIR) + "/tests/tokenizer/bpe/roberta";

nlohmann::json roberta_json() {
  std::ifstream in(kRoberta + "/tokenizer.json");
  return nlohmann::json::parse(in);
}

// The error message of loading `j`, or "" when it loads.
std::string load_error(const nlohmann::json& j) {
  try {
    Tokenizer::from_json_text(j.dump(), "bad.json");
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

void expect_error(const nlohmann::json& j, const std::vector<std::string>& parts) {
  const std::string message = load_error(j);
  ASSERT_FALSE(message.empty()) << "loaded without an error";
  EXPECT_NE(message.find("bad.json"), std::string::npos) << message;
  for (const std::string& p : parts) EXPECT_NE(message.find(p), std::string::npos) << message;
}

TEST(Bpe, MergeNamingUnknownTokenIsRefused) {
  auto j = roberta_json();
  j["model"]["merges"][3] = {"Ġnosuchtoken", "x"};
  expect_error(j, {"model.merges[3]", "Ġnosuchtoken", "not in model.vocab"});
}

TEST(Bpe, MergeMakingUnknownTokenIsRefused) {
  auto j = roberta_json();
  j["model"]["merges"][0] = {"Ġ", "Ġ"};  // both exist; "ĠĠ" is not in this vocabulary
  if (j["model"]["vocab"].contains("ĠĠ")) GTEST_SKIP() << "vocabulary has ĠĠ";
  expect_error(j, {"model.merges[0]", "ĠĠ"});
}

TEST(Bpe, MalformedMergesAreRefused) {
  auto j = roberta_json();
  j["model"]["merges"][5] = "nospace";
  expect_error(j, {"model.merges[5]", "nospace"});
  j["model"]["merges"][5] = nlohmann::json::array({1, 2});
  expect_error(j, {"model.merges[5]", "[1,2]"});
  j["model"]["merges"] = "not a list";
  expect_error(j, {"model.merges"});
}

TEST(Bpe, LegacyStringMergesLoadLikePairs) {
  auto j = roberta_json();
  const Tokenizer pairs = Tokenizer::from_json_text(j.dump(), "pairs.json");
  for (auto& m : j["model"]["merges"]) m = m[0].get<std::string>() + " " + m[1].get<std::string>();
  const Tokenizer strings = Tokenizer::from_json_text(j.dump(), "strings.json");
  const std::string text = "A man is playing a flute, don't you think? 1234 naïve café";
  EXPECT_EQ(pairs.encode(text).ids, strings.encode(text).ids);
}

TEST(Bpe, DropoutIsRefusedWithTheReason) {
  auto j = roberta_json();
  j["model"]["dropout"] = 0.1;
  expect_error(j, {"model.dropout", "0.1", "only null or 0"});
  j["model"]["dropout"] = 0.0;
  EXPECT_EQ(load_error(j), "");
}

TEST(Bpe, UnkTokenOutsideVocabularyIsRefused) {
  auto j = roberta_json();
  j["model"]["unk_token"] = "<nosuchunk>";
  expect_error(j, {"model.unk_token", "<nosuchunk>"});
}

TEST(Bpe, UnknownStageTypesAreNamed) {
  auto j = roberta_json();
  j["pre_tokenizer"] = {{"type", "Sequence"},
                        {"pretokenizers", {{{"type", "Digits"}}, {{"type", "Frobnicate"}}}}};
  expect_error(j, {"pre_tokenizer.pretokenizers[1].type", "Frobnicate", "ByteLevel"});
  j = roberta_json();
  j["decoder"] = {{"type", "Frobnicate"}};
  expect_error(j, {"decoder.type", "Frobnicate", "ByteLevel"});
  j = roberta_json();
  j["post_processor"]["type"] = "Frobnicate";
  expect_error(j, {"post_processor.type", "Frobnicate", "RobertaProcessing"});
}

TEST(Bpe, BadRegexAndBehaviourAreNamed) {
  auto j = roberta_json();
  j["pre_tokenizer"] = {{"type", "Split"},
                        {"pattern", {{"Regex", "(unclosed"}}},
                        {"behavior", "Isolated"},
                        {"invert", false}};
  expect_error(j, {"pre_tokenizer.pattern.Regex", "(unclosed", "invalid regex"});
  j["pre_tokenizer"]["pattern"] = {{"Regex", "\\s+"}};
  j["pre_tokenizer"]["behavior"] = "Sideways";
  expect_error(j, {"pre_tokenizer.behavior", "Sideways"});
  j["pre_tokenizer"]["behavior"] = "Removed";
  j["pre_tokenizer"]["pattern"] = {{"Glob", "*"}};
  expect_error(j, {"pre_tokenizer.pattern", "Glob"});
}

// The hand-written GPT-2 splitter against Oniguruma running the pattern itself, on random
// strings over characters whose classes Debian's Oniguruma and the reference agree on.
TEST(Gpt2Split, EqualsTheRegexOnRandomStrings) {
  const Regex gpt2(R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)",
                   "test");
  const std::u32string pool =
      U"aZé ß'srtvmld  \t\n\r\u000B\u000C\u0085\u00A0\u1680\u2000\u2028\u3000"
      U"0123456789\u0660\u00B2\u2160!?.,;:-_\"'()[]{}#@$%^&*+=<>/\\|~`"
      U"\u4E2D\u6587\uAC00\u3042\u0410\u05D0\u0627\u0E01\u0301\u200D\U0001F600\U0001F1EB";
  std::mt19937 rng(7);
  for (int n = 0; n < 20000; ++n) {
    std::u32string s;
    const int len = static_cast<int>(rng() % 24);
    for (int i = 0; i < len; ++i) s.push_back(pool[rng() % pool.size()]);
    std::vector<std::pair<uint32_t, uint32_t>> mine;
    gpt2_split(s.data(), static_cast<uint32_t>(s.size()), 0, mine);
    std::string text;
    std::vector<uint32_t> char_at_byte;
    for (size_t i = 0; i < s.size(); ++i) {
      const size_t before = text.size();
      utf8::append(text, s[i]);
      char_at_byte.insert(char_at_byte.end(), text.size() - before, static_cast<uint32_t>(i));
    }
    char_at_byte.push_back(static_cast<uint32_t>(s.size()));
    std::vector<std::pair<size_t, size_t>> matches;
    gpt2.find_all(text, matches);
    std::vector<std::pair<uint32_t, uint32_t>> theirs;
    for (const auto& [b, e] : matches) theirs.emplace_back(char_at_byte[b], char_at_byte[e]);
    ASSERT_EQ(mine, theirs) << "string " << n << ": " << text;
  }
}

TEST(Bpe, ConcurrentEncodesAgree) {
  const Tokenizer tok = Tokenizer::from_model_dir(kRoberta);
  std::vector<std::string> texts;
  for (int i = 0; i < 200; ++i) {
    texts.push_back("sentence " + std::to_string(i * 7919) + " with words like tokenization, " +
                    "don't and naïve café " + std::string(static_cast<size_t>(i % 13), 'x'));
  }
  std::vector<std::vector<int32_t>> expected;
  for (const auto& t : texts) expected.push_back(tok.encode(t).ids);
  std::vector<std::thread> threads;
  std::vector<int> bad(4, 0);
  for (int k = 0; k < 4; ++k) {
    threads.emplace_back([&, k] {
      for (int round = 0; round < 20; ++round) {
        for (size_t i = 0; i < texts.size(); ++i) {
          if (tok.encode(texts[(i + static_cast<size_t>(k) * 31) % texts.size()]).ids !=
              expected[(i + static_cast<size_t>(k) * 31) % texts.size()]) {
            ++bad[k];
          }
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  for (int k = 0; k < 4; ++k) EXPECT_EQ(bad[k], 0);
}

}  // namespace
}  // namespace sembed::tokenizer
