// read_model_directory on the real config files of two hub models (shared data, no weights) and
// on small directories written here that must be refused by name.
#include "loader/model_directory.hpp"

#include <gtest/gtest.h>

#include <sembed/error.hpp>
#include <sembed/sembed.hpp>

#include "test_util.hpp"

namespace sembed::loader {
namespace {

namespace fs = std::filesystem;
using testing::TempDir;
using testing::write_text;

const char* kConfig = R"({"architectures":["BertModel"],"model_type":"bert","vocab_size":32,
  "hidden_size":8,"num_hidden_layers":2,"num_attention_heads":2,"intermediate_size":16,
  "max_position_embeddings":16})";
const char* kModules = R"([
  {"idx":0,"name":"0","path":"","type":"sentence_transformers.models.Transformer"},
  {"idx":1,"name":"1","path":"1_Pooling","type":"sentence_transformers.models.Pooling"}])";
const char* kPooling = R"({"word_embedding_dimension":8,"pooling_mode_cls_token":true,
  "pooling_mode_mean_tokens":false})";

// A valid sentence-transformers directory; tests overwrite one file to break it.
void write_model(const TempDir& d) {
  write_text(d / "config.json", kConfig);
  write_text(d / "modules.json", kModules);
  write_text(d / "1_Pooling/config.json", kPooling);
  write_text(d / "sentence_bert_config.json", R"({"max_seq_length": 10, "do_lower_case": true})");
}

std::string error_of(const fs::path& dir) {
  try {
    read_model_directory(dir);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

#define EXPECT_ERROR_HAS(dir, text)                                      \
  do {                                                                   \
    const std::string err_ = error_of(dir);                              \
    EXPECT_NE(err_.find(text), std::string::npos) << "[" << err_ << "]"; \
  } while (0)

TEST(ModelDirectory, RealConfigsOfTwoHubModels) {
  const fs::path shared(SEMBED_TEST_DATA);
  if (!fs::exists(shared / "all-MiniLM-L6-v2/config.json"))
    GTEST_SKIP() << "shared data not found at " << shared;
  const auto mini = read_model_directory(shared / "all-MiniLM-L6-v2");
  EXPECT_EQ(mini.max_seq_length, 256);  // sentence_bert_config.json, not config.json's 512
  EXPECT_TRUE(mini.normalize);
  EXPECT_EQ(mini.pooling.mode, PoolingMode::Mean);
  EXPECT_EQ(mini.encoder.hidden_size, 384);
  EXPECT_EQ(mini.do_lower_case, false);
  const auto nli = read_model_directory(shared / "bert-base-nli-mean-tokens");
  EXPECT_EQ(nli.max_seq_length, 128);
  EXPECT_FALSE(nli.normalize);
  EXPECT_EQ(nli.encoder.num_hidden_layers, 12);
  EXPECT_EQ(nli.encoder.architecture, "BertModel");
}

TEST(ModelDirectory, SmallValidDirectory) {
  TempDir d;
  write_model(d);
  const auto md = read_model_directory(d.path());
  EXPECT_EQ(md.pooling.mode, PoolingMode::Cls);
  EXPECT_EQ(md.max_seq_length, 10);
  EXPECT_EQ(md.do_lower_case, true);
  EXPECT_FALSE(md.normalize);
  EXPECT_EQ(md.dir, d.path());
  EXPECT_TRUE(md.notes.empty());
}

TEST(ModelDirectory, PlainTransformersModelUsesMeanPoolingAndSaysSo) {
  TempDir d;
  write_text(d / "config.json", kConfig);
  write_text(d / "tokenizer_config.json", R"({"model_max_length": 12})");
  const auto md = read_model_directory(d.path());
  EXPECT_FALSE(md.has_modules_json);
  EXPECT_EQ(md.pooling.mode, PoolingMode::Mean);
  EXPECT_FALSE(md.normalize);
  EXPECT_EQ(md.max_seq_length, 12);  // min(max_position_embeddings 16, model_max_length 12)
  ASSERT_FALSE(md.notes.empty());
  EXPECT_NE(md.notes[0].find("no modules.json"), std::string::npos);
}

TEST(ModelDirectory, OldLayoutWithTransformerSubfolder) {
  TempDir d;
  write_text(d / "0_BERT/config.json", kConfig);
  write_text(d / "modules.json", R"([
    {"idx":0,"name":"0","path":"0_BERT","type":"sentence_transformers.models.BERT.Transformer"},
    {"idx":1,"name":"1","path":"1_Pooling","type":"sentence_transformers.models.Pooling"}])");
  write_text(d / "1_Pooling/config.json", kPooling);
  const auto md = read_model_directory(d.path());
  EXPECT_EQ(md.dir, d / "0_BERT");
  EXPECT_EQ(md.root, d.path());
}

TEST(ModelDirectory, UnsupportedModelsAreNamed) {
  TempDir d;
  write_model(d);
  write_text(d / "config.json", R"({"model_type":"mpnet","architectures":["MPNetModel"]})");
  EXPECT_ERROR_HAS(d.path(), "mpnet is not supported yet");
  write_text(d / "config.json", R"({"model_type":"bert","architectures":["RobertaModel"]})");
  EXPECT_ERROR_HAS(d.path(), "architecture 'RobertaModel' is not supported yet");
  write_text(d / "config.json", R"({"architectures":["BertModel"]})");
  EXPECT_ERROR_HAS(d.path(), "no 'model_type'");
  write_text(d / "config.json",
             R"({"model_type":"bert","position_embedding_type":"relative_key"})");
  EXPECT_ERROR_HAS(d.path(), "position_embedding_type 'relative_key'");
}

TEST(ModelDirectory, UnsupportedModulesAreNamed) {
  TempDir d;
  write_model(d);
  write_text(d / "modules.json", R"([
    {"idx":0,"name":"0","path":"","type":"sentence_transformers.models.Transformer"},
    {"idx":1,"name":"1","path":"1_Pooling","type":"sentence_transformers.models.Pooling"},
    {"idx":2,"name":"2","path":"2_Dense","type":"sentence_transformers.models.Dense"}])");
  EXPECT_ERROR_HAS(d.path(),
                   "module 'sentence_transformers.models.Dense' (2_Dense) is not supported yet");
  write_text(d / "modules.json", R"([
    {"idx":0,"name":"0","path":"","type":"my_package.CustomModule"}])");
  EXPECT_ERROR_HAS(d.path(), "'my_package.CustomModule'");
  write_text(d / "modules.json", R"([
    {"idx":0,"name":"0","path":"","type":"sentence_transformers.models.Transformer"}])");
  EXPECT_ERROR_HAS(d.path(), "no Pooling module");
  write_text(d / "modules.json", R"([
    {"idx":0,"name":"0","path":"","type":"sentence_transformers.models.Transformer"},
    {"idx":1,"name":"1","path":"../../etc","type":"sentence_transformers.models.Pooling"}])");
  EXPECT_ERROR_HAS(d.path(), "leaves the model directory");
}

TEST(ModelDirectory, PoolingConfigProblemsAreNamed) {
  TempDir d;
  write_model(d);
  write_text(d / "1_Pooling/config.json",
             R"({"pooling_mode_cls_token":true,"pooling_mode_mean_tokens":true})");
  EXPECT_ERROR_HAS(d.path(), "several pooling modes (cls, mean)");
  write_text(d / "1_Pooling/config.json",
             R"({"word_embedding_dimension":384,"pooling_mode_mean_tokens":true})");
  EXPECT_ERROR_HAS(d.path(), "word_embedding_dimension 384 does not match");
  write_text(d / "1_Pooling/config.json", R"({"pooling_mode_mean_tokens":false})");
  EXPECT_ERROR_HAS(d.path(), "no pooling mode");
  fs::remove(d / "1_Pooling/config.json");
  EXPECT_ERROR_HAS(d.path(), "1_Pooling/config.json: not found");
}

TEST(ModelDirectory, BrokenFilesAreNamed) {
  TempDir d;
  EXPECT_ERROR_HAS(d.path(), "no config.json");  // an empty directory
  EXPECT_ERROR_HAS(d / "nope", "does not exist");
  write_model(d);
  write_text(d / "config.json", "{\"model_type\": \"bert\", \"hidden_size\": ");
  EXPECT_ERROR_HAS(d.path(), "config.json: invalid JSON");
  write_text(d / "config.json", "{\"model_type\": \"be\xff\xfert\"}");
  EXPECT_ERROR_HAS(d.path(), "config.json: invalid JSON");
  write_text(d / "config.json", R"({"model_type":"bert","hidden_size":"big"})");
  EXPECT_ERROR_HAS(d.path(), "field 'hidden_size' should be an integer, found string");
  write_text(d / "config.json",
             R"({"model_type":"bert","hidden_size":10,"num_attention_heads":3})");
  EXPECT_ERROR_HAS(d.path(), "not a multiple of num_attention_heads");
  write_text(d / "config.json", R"({"model_type":"bert","num_hidden_layers":1e12})");
  EXPECT_ERROR_HAS(d.path(), "num_hidden_layers");
  write_text(d / "config.json", kConfig);
  write_text(d / "modules.json", "\xef\xbb\xbf[]");
  EXPECT_ERROR_HAS(d.path(), "modules.json");
  write_text(d / "modules.json", kModules);
  write_text(d / "sentence_bert_config.json", R"({"max_seq_length": -3})");
  EXPECT_ERROR_HAS(d.path(), "max_seq_length must be positive");
  write_text(d / "sentence_bert_config.json", R"({"max_seq_length": 4096})");
  const auto md = read_model_directory(d.path());
  EXPECT_EQ(md.max_seq_length, 16);  // clamped to max_position_embeddings, with a note
  EXPECT_FALSE(md.notes.empty());
}

// Sets (or unsets, with nullptr) an environment variable for one scope.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    value ? ::setenv(name, value, 1) : ::unsetenv(name);
  }
  ~ScopedEnv() { old_ ? ::setenv(name_, old_->c_str(), 1) : ::unsetenv(name_); }

 private:
  const char* name_;
  std::optional<std::string> old_;
};

TEST(ResolveModelDir, ExplicitThenEnvironmentThenDefault) {
  TempDir cache;
  write_text(cache / "sembed/models/all-MiniLM-L6-v2/config.json", "{}");
  ScopedEnv xdg("XDG_CACHE_HOME", cache.path().c_str());
  ScopedEnv home("SEMBED_MODEL_HOME", nullptr);
  {
    ScopedEnv model("SEMBED_MODEL", nullptr);
    EXPECT_EQ(resolve_model_dir(fs::path("/some/dir")), fs::path("/some/dir"));
    EXPECT_EQ(resolve_model_dir(std::nullopt), cache / "sembed/models/all-MiniLM-L6-v2");
  }
  {
    ScopedEnv model("SEMBED_MODEL", cache.path().c_str());
    EXPECT_EQ(resolve_model_dir(std::nullopt), cache.path());
  }
  {
    ScopedEnv model("SEMBED_MODEL", "/nonexistent/sembed-model");
    EXPECT_THROW(resolve_model_dir(std::nullopt), Error);
  }
  {
    TempDir empty;
    ScopedEnv model("SEMBED_MODEL", nullptr);
    ScopedEnv xdg2("XDG_CACHE_HOME", empty.path().c_str());
    try {
      resolve_model_dir(std::nullopt);
      FAIL();
    } catch (const Error& e) {
      const std::string m = e.what();
      EXPECT_NE(m.find(empty.path().string()), std::string::npos) << m;  // lists where it looked
      EXPECT_NE(m.find("fetch_default_model.sh"), std::string::npos) << m;
    }
  }
}

}  // namespace
}  // namespace sembed::loader
