// Tokenizer unit tests. Expected token values come only from the reference: the golden cases
// in golden/reference.json were produced by Hugging Face tokenizers (scripts/tokenizer_golden.py).
// The other tests check properties that need no reference: errors (invalid UTF-8, unsupported
// components), padding shape, thread safety, and agreement between the two loaders.
#include "tokenizer/tokenizer.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sembed/error.hpp>
#include <string>
#include <thread>
#include <vector>

namespace sembed::tokenizer {
namespace {

const std::string kData = SEMBED_TEST_DATA;
const std::string kMiniLm = kData + "/all-MiniLM-L6-v2";
const std::string kNli = kData + "/bert-base-nli-mean-tokens";

const Tokenizer& minilm() {
  static const Tokenizer t = Tokenizer::from_model_dir(kMiniLm);
  return t;
}
const Tokenizer& nli() {
  static const Tokenizer t = Tokenizer::from_model_dir(kNli);
  return t;
}

std::string read(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

TEST(Tokenizer, GoldenCasesFromReference) {
  const auto golden = nlohmann::json::parse(
      read(std::string(SEMBED_SOURCE_DIR) + "/tests/tokenizer/golden/reference.json"));
  size_t checked = 0;
  for (const auto& c : golden.at("cases")) {
    const Tokenizer& tok = c.at("model") == "all-MiniLM-L6-v2" ? minilm() : nli();
    EncodeOptions options;
    options.add_special_tokens = c.at("add_special_tokens").get<bool>();
    if (!c.at("max_length").is_null()) options.max_length = c.at("max_length").get<size_t>();
    const std::string text = c.at("text");
    const Encoding e = c.at("pair").is_null()
                           ? tok.encode(text, options)
                           : tok.encode_pair(text, c.at("pair").get<std::string>(), options);
    SCOPED_TRACE(c.dump().substr(0, 300));
    EXPECT_EQ(e.ids, c.at("ids").get<std::vector<int32_t>>());
    EXPECT_EQ(e.type_ids, c.at("type_ids").get<std::vector<int32_t>>());
    EXPECT_EQ(e.tokens, c.at("tokens").get<std::vector<std::string>>());
    EXPECT_EQ(e.attention_mask, c.at("attention_mask").get<std::vector<int32_t>>());
    std::vector<std::pair<size_t, size_t>> offsets;
    for (const auto& o : c.at("offsets")) offsets.emplace_back(o.at(0), o.at(1));
    EXPECT_EQ(e.offsets, offsets);
    ++checked;
  }
  // scripts/tokenizer_golden.py writes exactly this many cases; a case that is dropped or not
  // read would otherwise go unnoticed. Update the count with the script.
  EXPECT_EQ(checked, 808u);
}

TEST(Tokenizer, RefusesInvalidUtf8NamingTheOffset) {
  try {
    minilm().encode("fine \xC3\x28 broken");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("byte offset 5"), std::string::npos) << e.what();
  }
  EXPECT_THROW(minilm().encode_pair("ok", "\xFF"), Error);
}

// An unknown stage type, at any depth, names the file, the field path and the value, and lists
// what is supported.
// A directory with only a SentencePiece model (older XLM-R checkpoints) gets an error saying so
// and how to write the tokenizer.json sembed reads, not a bare "no tokenizer".
TEST(Tokenizer, SentencePieceOnlyDirectoryIsNamed) {
  const auto dir = std::filesystem::temp_directory_path() /
                   ("sembed-spm-only-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "sentencepiece.bpe.model") << "not read";
  try {
    Tokenizer::from_model_dir(dir);
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("sentencepiece.bpe.model but no tokenizer.json"), std::string::npos) << m;
    EXPECT_NE(m.find("save_pretrained"), std::string::npos) << m;
  }
  std::filesystem::remove_all(dir);
}

TEST(Tokenizer, UnsupportedComponentIsNamed) {
  struct Case {
    const char* field;
    nlohmann::json block;
    std::string path, value, one_supported;
  };
  const std::vector<Case> cases = {
      {"normalizer",
       {{"type", "NoSuchNormalizer"}},
       "normalizer.type",
       "NoSuchNormalizer",
       "BertNormalizer"},
      {"normalizer",
       {{"type", "Sequence"}, {"normalizers", {{{"type", "Lowercase"}}, {{"type", "Frobnicate"}}}}},
       "normalizer.normalizers[1].type",
       "Frobnicate",
       "Precompiled"},
      {"pre_tokenizer",
       {{"type", "NoSuchPreTokenizer"}},
       "pre_tokenizer.type",
       "NoSuchPreTokenizer",
       "Metaspace"},
      {"post_processor",
       {{"type", "NoSuchProcessor"}},
       "post_processor.type",
       "NoSuchProcessor",
       "TemplateProcessing"},
  };
  for (const Case& c : cases) {
    auto j = nlohmann::json::parse(read(kMiniLm + "/tokenizer.json"));
    j[c.field] = c.block;
    try {
      Tokenizer::from_json_text(j.dump(), "test.json");
      ADD_FAILURE() << "no error for " << c.block.dump();
    } catch (const Error& e) {
      const std::string m = e.what();
      EXPECT_EQ(m.rfind("test.json: ", 0), 0u) << m;
      EXPECT_NE(m.find(c.path + " '" + c.value + "' is not supported"), std::string::npos) << m;
      EXPECT_NE(m.find("supported: "), std::string::npos) << m;
      EXPECT_NE(m.find(c.one_supported), std::string::npos) << m;
    }
  }
  auto j = nlohmann::json::parse(read(kMiniLm + "/tokenizer.json"));
  j["model"]["type"] = "NoSuchModel";
  try {
    Tokenizer::from_json_text(j.dump(), "test.json");
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(
                  "model.type 'NoSuchModel' is not supported (supported: WordPiece"),
              std::string::npos)
        << e.what();
  }
  EXPECT_THROW(Tokenizer::from_json_text("{not json", "test.json"), Error);
}

TEST(Tokenizer, HostileNumbersAreErrorsNotCasts) {
  // Found by tokenizer_fuzz: a huge (float) id used to be cast to int (undefined behaviour).
  const char* base = R"({"model":{"type":"WordPiece","vocab":{"[UNK]":0,"a":1}},)";
  for (const std::string tail :
       {R"("added_tokens":[{"id":8888888888888888888888888888888880,"content":"x"}]})",
        R"("added_tokens":[{"id":-1,"content":"x"}]})",
        R"("added_tokens":[{"id":1.5,"content":"x"}]})", R"("truncation":{"max_length":1e300}})",
        R"("padding":{"strategy":{"Fixed":-3}}})", R"("added_tokens":[{"id":"7","content":"x"}]})",
        R"("added_tokens":[{"id":1,"content":5}]})"}) {
    EXPECT_THROW(Tokenizer::from_json_text(std::string(base) + tail, "t.json"), Error) << tail;
  }
  EXPECT_THROW(Tokenizer::from_json_text(R"({"model":{"type":"WordPiece","vocab":{"[UNK]":1e20}}})",
                                         "t.json"),
               Error);
}

TEST(Tokenizer, BothLoadersAgreeOnTheSameVocabulary) {
  // MiniLM's tokenizer.json and the NLI model's vocab.txt hold the same uncased BERT vocab with
  // the same options, so the two loaders must give the same result.
  for (const char* text : {"A man is playing a guitar.", "naïve [SEP] 東京 x\u0301", ""}) {
    const Encoding a = minilm().encode(text);
    const Encoding b = nli().encode(text);
    EXPECT_EQ(a.ids, b.ids);
    EXPECT_EQ(a.offsets, b.offsets);
  }
}

TEST(Tokenizer, ReportsUntruncatedLength) {
  EncodeOptions options;
  options.max_length = 4;
  const Encoding e = minilm().encode("one two three four five", options);
  EXPECT_EQ(e.size(), 4u);
  EXPECT_EQ(e.untruncated_length, minilm().encode("one two three four five").size());
  EXPECT_TRUE(e.truncated());
  EXPECT_FALSE(minilm().encode("one").truncated());
}

TEST(Padding, LongestAndFixed) {
  std::vector<Encoding> batch = {minilm().encode("a"), minilm().encode("a b c d")};
  pad(batch, PaddingStrategy::Longest, 0, minilm().pad_id(), minilm().pad_token());
  ASSERT_EQ(batch[0].size(), batch[1].size());
  EXPECT_EQ(batch[0].attention_mask.back(), 0);
  EXPECT_EQ(batch[0].ids.back(), minilm().pad_id());
  EXPECT_EQ(batch[0].offsets.back(), (std::pair<size_t, size_t>{0, 0}));
  pad(batch, PaddingStrategy::MaxLength, 10, minilm().pad_id(), minilm().pad_token());
  EXPECT_EQ(batch[0].size(), 10u);
  EXPECT_EQ(batch[1].tokens.back(), minilm().pad_token());
}

TEST(Tokenizer, ThreadSafe) {
  std::vector<std::string> texts;
  for (int i = 0; i < 200; ++i)
    texts.push_back("sentence " + std::to_string(i) + " naïve 東京 [SEP] ok");
  std::vector<Encoding> expected;
  for (const auto& t : texts) expected.push_back(minilm().encode(t));
  std::vector<std::thread> threads;
  std::vector<int> ok(4, 1);
  for (int k = 0; k < 4; ++k) {
    threads.emplace_back([&, k] {
      for (int round = 0; round < 5; ++round) {
        for (size_t i = 0; i < texts.size(); ++i) {
          const Encoding e = minilm().encode(texts[i]);
          if (e.ids != expected[i].ids || e.offsets != expected[i].offsets) ok[k] = 0;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  for (int v : ok) EXPECT_EQ(v, 1);
}

}  // namespace
}  // namespace sembed::tokenizer

namespace sembed::tokenizer {
namespace {

// A Unigram tokenizer.json around the given model and normalizer blocks.
std::string unigram_json(const nlohmann::json& model, const nlohmann::json& normalizer = nullptr) {
  nlohmann::json j = {{"model", model}, {"normalizer", normalizer}};
  return j.dump();
}

void expect_error(const std::string& json, const std::vector<std::string>& parts) {
  try {
    Tokenizer::from_json_text(json, "bad.json");
    ADD_FAILURE() << "no error for " << json.substr(0, 200);
  } catch (const Error& e) {
    const std::string m = e.what();
    EXPECT_EQ(m.rfind("bad.json: ", 0), 0u) << m;
    for (const std::string& p : parts)
      EXPECT_NE(m.find(p), std::string::npos) << m << " lacks " << p;
  }
}

using J = nlohmann::json;
const J kUnigram = {
    {"type", "Unigram"},
    {"unk_id", 0},
    {"vocab", J::array({J::array({"<unk>", 0.0}), J::array({"a", -1.0}), J::array({"b", -2.0})})}};

TEST(TokenizerBadInput, UnigramUnkIdOutOfRange) {
  auto m = kUnigram;
  m["unk_id"] = 3;
  expect_error(unigram_json(m), {"model.unk_id", "3", "vocabulary size 3"});
  m["unk_id"] = -1;
  expect_error(unigram_json(m), {"model.unk_id", "-1"});
  m["unk_id"] = 1.5;
  expect_error(unigram_json(m), {"model.unk_id", "1.5"});
}

TEST(TokenizerBadInput, UnigramMalformedVocab) {
  auto m = kUnigram;
  m["vocab"] = J::array({J::array({"<unk>", 0.0}), J::array({"a"})});
  expect_error(unigram_json(m), {"model.vocab[1]", "[piece, score]"});
  m["vocab"] = J::array({J::array({"<unk>", "zero"})});
  expect_error(unigram_json(m), {"model.vocab[0]"});
  m["vocab"] = "x";
  expect_error(unigram_json(m), {"model.vocab", "must be a list"});
}

TEST(TokenizerBadInput, MalformedPrecompiledCharsmap) {
  auto charsmap = [](const std::string& b64) {
    return nlohmann::json{{"type", "Precompiled"}, {"precompiled_charsmap", b64}};
  };
  const std::string where = "normalizer.precompiled_charsmap";
  expect_error(unigram_json(kUnigram, charsmap("not base64!")), {where, "not valid base64"});
  expect_error(unigram_json(kUnigram, charsmap("AAA=")), {where, "shorter than its 4-byte header"});
  // Declares a 4,096-byte trie in a 12-byte map.
  expect_error(unigram_json(kUnigram, charsmap("ABAAAAAAAAAAAAAA")), {where, "4096 bytes"});
  expect_error(unigram_json(kUnigram, charsmap("AAAAAA==")), {where, "empty trie"});
  // Replacement strings that are not UTF-8: trie of one unit, then 0xFF.
  expect_error(unigram_json(kUnigram, charsmap("BAAAAAAAAAD/")), {where, "not valid UTF-8"});
  // A trie whose root points outside the map: loading finds it (the ASCII table is built at load).
  expect_error(unigram_json(kUnigram, charsmap("BAAAAAD8//8A")), {where, "outside the map"});
}

TEST(TokenizerBadInput, NoUnkIdAndAnUnknownCharacterIsAnError) {
  auto m = kUnigram;
  m.erase("unk_id");
  const Tokenizer t = Tokenizer::from_json_text(unigram_json(m), "ok.json");
  EncodeOptions plain;
  plain.add_special_tokens = false;
  EXPECT_EQ(t.encode("ab", plain).ids, (std::vector<int32_t>{1, 2}));
  EXPECT_THROW(t.encode("abc"), Error);
}

TEST(TokenizerBadInput, BadStageFieldsNameFieldAndValue) {
  const nlohmann::json meta = {{"type", "Metaspace"}, {"replacement", "ab"}};
  nlohmann::json j = {{"model", kUnigram}, {"pre_tokenizer", meta}};
  expect_error(j.dump(), {"pre_tokenizer.replacement", "one character", "'ab'"});
  j["pre_tokenizer"] = {
      {"type", "Metaspace"}, {"replacement", "_"}, {"prepend_scheme", "sometimes"}};
  expect_error(j.dump(), {"pre_tokenizer.prepend_scheme", "'sometimes'", "always, first, never"});
  j = {{"model", kUnigram},
       {"normalizer", {{"type", "Replace"}, {"pattern", {{"Regex", "("}}}, {"content", ""}}}};
  expect_error(j.dump(), {"normalizer.pattern.Regex", "'('", "not a valid regex"});
}

}  // namespace
}  // namespace sembed::tokenizer
