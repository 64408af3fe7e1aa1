// check_encoder_tensors: a BertModel's tensors must all be present with their config.json
// shapes; heads are ignored, anything else unknown is refused by name.
#include "loader/encoder_tensor_names.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sembed/error.hpp>

#include "loader/model_directory.hpp"
#include "test_util.hpp"

namespace sembed::loader {
namespace {

using testing::fixture;

// A zero-filled f32 safetensors file holding the given tensors.
void write_safetensors(const std::filesystem::path& file,
                       const std::vector<ExpectedTensor>& tensors) {
  nlohmann::json header = nlohmann::json::object();
  size_t offset = 0;
  for (const auto& t : tensors) {
    size_t n = 1;
    for (auto d : t.shape) n *= static_cast<size_t>(d);
    header[t.name] = {
        {"dtype", "F32"}, {"shape", t.shape}, {"data_offsets", {offset, offset + 4 * n}}};
    offset += 4 * n;
  }
  std::string h = header.dump();
  h.append((8 - h.size() % 8) % 8, ' ');
  std::vector<uint8_t> bytes(8 + h.size() + offset, 0);
  for (int i = 0; i < 8; ++i)
    bytes[i] = static_cast<uint8_t>(static_cast<uint64_t>(h.size()) >> (8 * i));
  std::memcpy(bytes.data() + 8, h.data(), h.size());
  testing::write_bytes(file, bytes.data(), bytes.size());
}

std::string check_error(const EncoderConfig& config, const std::vector<ExpectedTensor>& tensors) {
  testing::TempDir dir;
  write_safetensors(dir / "model.safetensors", tensors);
  try {
    check_encoder_tensors(config, WeightStore::open(dir.path()));
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(BertTensorNames, CompleteSetPasses) {
  const auto config = read_model_directory(fixture("tiny")).encoder;
  auto tensors = expected_tensors(config);
  EXPECT_EQ(check_error(config, tensors), "");
  // Without the pooler: fine, with a note.
  tensors.pop_back();
  tensors.pop_back();
  testing::TempDir dir;
  write_safetensors(dir / "model.safetensors", tensors);
  const auto check = check_encoder_tensors(config, WeightStore::open(dir.path()));
  EXPECT_FALSE(check.has_pooler);
  EXPECT_EQ(check.notes.size(), 1u);
}

TEST(BertTensorNames, MissingMisShapedAndUnexpectedAreNamed) {
  const auto config = read_model_directory(fixture("tiny")).encoder;
  const auto full = expected_tensors(config);

  auto missing = full;
  missing.erase(missing.begin() + 7);  // a layer-0 tensor
  std::string err = check_error(config, missing);
  EXPECT_NE(err.find("'" + full[7].name + "'"), std::string::npos) << err;
  EXPECT_NE(err.find("missing"), std::string::npos) << err;

  auto misshaped = full;
  misshaped[0].shape = {33, 8};
  err = check_error(config, misshaped);
  EXPECT_NE(err.find("'embeddings.word_embeddings.weight'"), std::string::npos) << err;
  EXPECT_NE(err.find("has shape [33, 8], expected [32, 8]"), std::string::npos) << err;

  auto unexpected = full;
  unexpected.push_back({"encoder.layer.2.output.dense.weight", {8, 16}});
  err = check_error(config, unexpected);
  EXPECT_NE(err.find("unexpected tensor 'encoder.layer.2.output.dense.weight' with shape [8, 16]"),
            std::string::npos)
      << err;

  auto with_heads = full;
  with_heads.push_back({"cls.predictions.bias", {32}});
  with_heads.push_back({"classifier.weight", {2, 8}});
  EXPECT_EQ(check_error(config, with_heads), "");

  auto half_pooler = full;
  half_pooler.pop_back();
  EXPECT_NE(check_error(config, half_pooler).find("half of the pooler"), std::string::npos);
}

TEST(BertTensorNames, BertPrefixAndLegacyNamesBind) {
  const auto config = read_model_directory(fixture("tiny")).encoder;
  auto tensors = expected_tensors(config);
  for (auto& t : tensors) {
    t.name = "bert." + t.name;
    if (t.name.size() > 16 && t.name.compare(t.name.size() - 16, 16, "LayerNorm.weight") == 0)
      t.name.replace(t.name.size() - 6, 6, "gamma");
  }
  EXPECT_EQ(check_error(config, tensors), "");
  // Both spellings of one weight are ambiguous.
  tensors.push_back({"embeddings.word_embeddings.weight", {32, 8}});
  EXPECT_NE(check_error(config, tensors).find("both name the weight"), std::string::npos);
}

}  // namespace
}  // namespace sembed::loader
