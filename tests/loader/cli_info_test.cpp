// `sembed info --json` on a fixture directory: the summary a user sees, and a clean error exit
// for a directory that is not a model. Skipped when the sembed binary was not built.
#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "test_util.hpp"

namespace {

// stdout of the command and its exit status.
std::pair<std::string, int> run(const std::string& cmd) {
  std::string out;
  FILE* p = ::popen(cmd.c_str(), "r");
  if (!p) return {"", -1};
  std::array<char, 4096> buf;
  size_t n;
  while ((n = std::fread(buf.data(), 1, buf.size(), p)) > 0) out.append(buf.data(), n);
  const int status = ::pclose(p);
  return {out, WIFEXITED(status) ? WEXITSTATUS(status) : -1};
}

TEST(CliInfo, JsonSummaryOfAFixture) {
  if (!std::filesystem::exists(SEMBED_BINARY)) GTEST_SKIP() << SEMBED_BINARY << " not built";
  const auto [out, rc] = run(std::string(SEMBED_BINARY) + " info --json --model " +
                             sembed::loader::testing::fixture("tiny-bin").string());
  ASSERT_EQ(rc, 0) << out;
  const auto j = nlohmann::json::parse(out);
  EXPECT_EQ(j["architecture"], "BertModel");
  EXPECT_EQ(j["hidden_size"], 8);
  EXPECT_EQ(j["num_hidden_layers"], 2);
  EXPECT_EQ(j["num_attention_heads"], 2);
  EXPECT_EQ(j["vocab_size"], 32);
  EXPECT_EQ(j["max_seq_length"], 12);
  EXPECT_EQ(j["pooling"], "mean");
  EXPECT_EQ(j["normalize"], true);
  EXPECT_EQ(j["weight_file"], "pytorch_model.bin");
  EXPECT_EQ(j["weight_dtype"], "F32");
  EXPECT_EQ(j["parameter_count"], 1688);  // the BertModel's; the cls head is not counted
  EXPECT_TRUE(j["load_ms"].is_number());
}

TEST(CliInfo, NotAModelDirectoryExitsWithAnError) {
  if (!std::filesystem::exists(SEMBED_BINARY)) GTEST_SKIP() << SEMBED_BINARY << " not built";
  sembed::loader::testing::TempDir empty;
  const auto [out, rc] =
      run(std::string(SEMBED_BINARY) + " info --model " + empty.path().string() + " 2>&1");
  EXPECT_EQ(rc, 1);
  EXPECT_NE(out.find("no config.json"), std::string::npos) << out;
}

}  // namespace
