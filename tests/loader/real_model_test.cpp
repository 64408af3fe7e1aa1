// The real all-MiniLM-L6-v2 (fetched by scripts/fetch_default_model.sh) loads completely from
// model.safetensors, and a pytorch_model.bin that torch makes from it (scripts/make_minilm_bin.py)
// gives identical weights. Each test is skipped, saying why, when the model or torch is absent.
#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <sembed/sembed.hpp>

#include "loader/encoder_tensor_names.hpp"
#include "loader/model_directory.hpp"
#include "loader/weight_store.hpp"
#include "test_util.hpp"

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

std::string python() {
  const char* p = std::getenv("SEMBED_TEST_PYTHON");
  return p && *p ? p : SEMBED_TEST_PYTHON;
}

TEST(RealModel, MiniLMLoadsFromSafetensors) {
  const auto dir = real_model();
  if (!dir) GTEST_SKIP() << "all-MiniLM-L6-v2 not found: run scripts/fetch_default_model.sh";
  const auto md = read_model_directory(*dir);
  EXPECT_EQ(md.encoder.hidden_size, 384);
  EXPECT_EQ(md.encoder.num_hidden_layers, 6);
  EXPECT_EQ(md.encoder.num_attention_heads, 12);
  EXPECT_EQ(md.encoder.vocab_size, 30522);
  EXPECT_EQ(md.max_seq_length, 256);
  EXPECT_EQ(md.pooling.mode, PoolingMode::Mean);
  EXPECT_TRUE(md.normalize);

  const auto ws = WeightStore::open(md.dir);
  EXPECT_EQ(ws.source(), "model.safetensors");
  EXPECT_EQ(ws.source_dtype(), "F32");
  const auto check = check_encoder_tensors(md.encoder, ws);
  EXPECT_TRUE(check.has_pooler);
  EXPECT_EQ(ws.parameter_count(), check.parameter_count);
  EXPECT_EQ(ws.parameter_count(), 22713216u);  // as torch's sum(p.numel()) for this BertModel
  EXPECT_EQ(ws.zero_copy_tensors(), ws.tensors().size());
  ASSERT_EQ(ws.ignored().size(), 1u);
  EXPECT_EQ(ws.ignored()[0], "embeddings.position_ids");
  const auto& w = ws.require("bert.embeddings.word_embeddings.weight", {30522, 384});
  EXPECT_NE(w.data, nullptr);
}

TEST(RealModel, MiniLMPytorchBinGivesIdenticalWeights) {
  const auto dir = real_model();
  if (!dir) GTEST_SKIP() << "all-MiniLM-L6-v2 not found: run scripts/fetch_default_model.sh";
  const std::string py = python();
  if (std::system((py + " -c 'import torch, safetensors' >/dev/null 2>&1").c_str()) != 0)
    GTEST_SKIP() << "torch is not available in " << py
                 << " (set SEMBED_TEST_PYTHON to a Python with torch and safetensors)";
  testing::TempDir out;
  const std::string cmd = py + " " + SEMBED_SOURCE_DIR + "/scripts/make_minilm_bin.py '" +
                          dir->string() + "' '" + out.path().string() + "'";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;

  const auto st = WeightStore::open(*dir);
  const auto bin = WeightStore::open_file(out / "pytorch_model.bin");
  EXPECT_EQ(bin.source(), "pytorch_model.bin");
  EXPECT_EQ(bin.zero_copy_tensors(), bin.tensors().size());  // torch aligns its storages
  ASSERT_EQ(st.tensors().size(), bin.tensors().size());
  for (const auto& [name, t] : st.tensors()) {
    const TensorView* u = bin.find(name);
    ASSERT_NE(u, nullptr) << name;
    ASSERT_EQ(t.shape, u->shape) << name;
    EXPECT_EQ(std::memcmp(t.data, u->data, t.numel() * sizeof(float)), 0) << name;
  }
  EXPECT_EQ(bin.ignored(), st.ignored());
}

}  // namespace
}  // namespace sembed::loader
