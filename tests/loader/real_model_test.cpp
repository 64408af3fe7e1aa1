// The real all-MiniLM-L6-v2 (fetched by scripts/fetch_default_model.sh) loads completely.
// Skipped with a printed reason when the model is not on this machine.
#include <gtest/gtest.h>

#include <sembed/sembed.hpp>

#include "loader/bert_tensor_names.hpp"
#include "loader/model_directory.hpp"
#include "loader/weight_store.hpp"

namespace sembed::loader {
namespace {

std::optional<std::filesystem::path> real_model() {
  try {
    auto dir = resolve_model_dir(std::nullopt);
    if (std::filesystem::exists(dir / "model.safetensors")) return dir;
  } catch (const Error&) {
  }
  return std::nullopt;
}

TEST(RealModel, MiniLMLoadsFromSafetensors) {
  const auto dir = real_model();
  if (!dir) GTEST_SKIP() << "all-MiniLM-L6-v2 not found: run scripts/fetch_default_model.sh";
  const auto md = read_model_directory(*dir);
  EXPECT_EQ(md.bert.hidden_size, 384);
  EXPECT_EQ(md.bert.num_hidden_layers, 6);
  EXPECT_EQ(md.bert.num_attention_heads, 12);
  EXPECT_EQ(md.bert.vocab_size, 30522);
  EXPECT_EQ(md.max_seq_length, 256);
  EXPECT_EQ(md.pooling.mode, PoolingMode::Mean);
  EXPECT_TRUE(md.normalize);

  const auto ws = WeightStore::open(md.dir);
  EXPECT_EQ(ws.source(), "model.safetensors");
  EXPECT_EQ(ws.source_dtype(), "F32");
  const auto check = check_bert_tensor_names(md.bert, ws);
  EXPECT_TRUE(check.has_pooler);
  // 22.7M parameters: the model card's figure, and every float tensor was used in place.
  EXPECT_EQ(ws.parameter_count(), check.parameter_count);
  EXPECT_EQ(ws.zero_copy_tensors(), ws.tensors().size());
  ASSERT_EQ(ws.ignored().size(), 1u);
  EXPECT_EQ(ws.ignored()[0], "embeddings.position_ids");
  const auto& w = ws.require("bert.embeddings.word_embeddings.weight", {30522, 384});
  EXPECT_NE(w.data, nullptr);
}

}  // namespace
}  // namespace sembed::loader
