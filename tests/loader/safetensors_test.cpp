// safetensors: the committed fixtures load to the bytes torch wrote (f32 in place, f16/bf16
// converted exactly as torch's .float()), shards combine, and hostile headers are refused with
// a clear error and no read outside the buffer.
#include "loader/safetensors.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <nlohmann/json.hpp>
#include <sembed/error.hpp>

#include "loader/weight_store.hpp"
#include "test_util.hpp"

namespace sembed::loader {
namespace {

using testing::fixture;
using testing::GuardedBuffer;

// Every tensor of a equals the one of the same name in b, bit for bit, and both hold the same set.
void expect_same_tensors(const WeightStore& a, const WeightStore& b) {
  ASSERT_EQ(a.tensors().size(), b.tensors().size());
  for (const auto& [name, t] : a.tensors()) {
    const TensorView* u = b.find(name);
    ASSERT_NE(u, nullptr) << name;
    ASSERT_EQ(t.shape, u->shape) << name;
    EXPECT_EQ(std::memcmp(t.data, u->data, t.numel() * sizeof(float)), 0) << name;
  }
}

std::vector<uint8_t> make_file(const std::string& header, const std::vector<uint8_t>& data) {
  std::vector<uint8_t> out(8 + header.size() + data.size());
  const uint64_t n = header.size();
  for (int i = 0; i < 8; ++i) out[i] = static_cast<uint8_t>(n >> (8 * i));
  std::copy(header.begin(), header.end(), out.begin() + 8);
  std::copy(data.begin(), data.end(), out.begin() + 8 + static_cast<long>(header.size()));
  return out;
}

// Parses bytes that end at a guard page; returns the error message ("" when it parsed).
std::string parse_error(const std::vector<uint8_t>& bytes) {
  GuardedBuffer buf(bytes);
  try {
    parse_safetensors(buf.data(), buf.size(), "test.safetensors");
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(Safetensors, TinyFixtureLoadsInPlace) {
  const auto ws = WeightStore::open(fixture("tiny"));
  EXPECT_EQ(ws.source(), "model.safetensors");
  EXPECT_EQ(ws.source_dtype(), "F32");
  EXPECT_EQ(ws.tensors().size(), 5u + 2 * 16 + 2);
  EXPECT_EQ(ws.zero_copy_tensors(), ws.tensors().size());
  const auto* t = ws.find("embeddings.word_embeddings.weight");
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->shape, (std::vector<int64_t>{32, 8}));
  // The bert. prefix is accepted on lookup too.
  EXPECT_EQ(ws.find("bert.embeddings.word_embeddings.weight"), t);
}

TEST(Safetensors, HalfAndBfloat16ConvertLikeTorch) {
  for (const char* dir : {"tiny-f16", "tiny-bf16"}) {
    SCOPED_TRACE(dir);
    const auto low = WeightStore::open(fixture(dir));
    const auto expected = WeightStore::open_file(fixture(dir) / "expected_f32.safetensors");
    EXPECT_EQ(low.source_dtype(), std::string(dir) == "tiny-f16" ? "F16" : "BF16");
    EXPECT_EQ(low.zero_copy_tensors(), 0u);
    expect_same_tensors(low, expected);
  }
}

TEST(Safetensors, ShardsCombine) {
  const auto sharded = WeightStore::open(fixture("tiny-sharded"));
  EXPECT_NE(sharded.source().find("model-00001-of-00002.safetensors"), std::string::npos);
  expect_same_tensors(sharded, WeightStore::open(fixture("tiny")));
}

TEST(Safetensors, UnalignedF32IsCopied) {
  // A 3-byte header puts the data at offset 11: f32 values there cannot be used in place.
  const float values[3] = {1.5f, -2.25f, 3.0e-39f};
  std::vector<uint8_t> data(sizeof values);
  std::memcpy(data.data(), values, sizeof values);
  const std::string header = R"({"w":{"dtype":"F32","shape":[3],"data_offsets":[0,12]}})";
  const std::string padded = header + "  ";  // 59 bytes: odd on purpose
  ASSERT_NE((8 + padded.size()) % 4, 0u);
  const auto bytes = make_file(padded, data);
  testing::TempDir dir;
  testing::write_bytes(dir / "model.safetensors", bytes.data(), bytes.size());
  const auto ws = WeightStore::open(dir.path());
  EXPECT_EQ(ws.zero_copy_tensors(), 0u);
  const TensorView* t = ws.find("w");
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(t->data) % 64, 0u);
  EXPECT_EQ(std::memcmp(t->data, values, sizeof values), 0);
}

TEST(Safetensors, EveryTruncationIsAnError) {
  const auto bytes = testing::read_bytes(fixture("tiny/model.safetensors"));
  ASSERT_GT(bytes.size(), 1000u);
  for (size_t n = 0; n < bytes.size(); ++n) {
    const std::vector<uint8_t> cut(bytes.begin(), bytes.begin() + static_cast<long>(n));
    EXPECT_NE(parse_error(cut), "") << "prefix of " << n << " bytes parsed";
  }
  EXPECT_EQ(parse_error(bytes), "");
}

TEST(Safetensors, HostileHeaders) {
  const std::vector<uint8_t> data16(16, 0);
  struct Case {
    const char* what;
    std::vector<uint8_t> bytes;
    const char* expect;
  };
  std::vector<uint8_t> past_end = make_file("{}", {});
  past_end[0] = 0xff;  // header length 255 in a 10-byte file
  std::vector<uint8_t> huge_len = make_file("{}", {});
  huge_len[7] = 0x80;  // 2^63
  const std::string ok = R"({"a":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]}})";
  const Case cases[] = {
      {"empty file", {}, "shorter than the 8-byte header length"},
      {"header past end", past_end, "runs past the end of the file"},
      {"huge header length", huge_len, "exceeds the 100 MiB limit"},
      {"offset out of range",
       make_file(R"({"a":{"dtype":"F32","shape":[2,2],"data_offsets":[0,20]}})", data16),
       "outside the data section"},
      {"begin after end",
       make_file(R"({"a":{"dtype":"F32","shape":[0],"data_offsets":[8,4]}})", data16),
       "outside the data section"},
      {"overlap",
       make_file(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                 R"("b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})",
                 data16),
       "overlap"},
      {"length vs dtype x shape",
       make_file(R"({"a":{"dtype":"F16","shape":[2,2],"data_offsets":[0,16]}})", data16),
       "16 bytes for dtype F16 and shape [2, 2], which needs 8"},
      {"absurd shape",
       make_file(R"({"a":{"dtype":"F32","shape":[4294967296,4294967296,4294967296],)"
                 R"("data_offsets":[0,16]}})",
                 data16),
       "absurd"},
      {"absurd product",
       make_file(R"({"a":{"dtype":"F32","shape":[65536,65536,65536,65536],"data_offsets":[0,16]}})",
                 data16),
       "absurd shape"},
      {"negative dim",
       make_file(R"({"a":{"dtype":"F32","shape":[-1,4],"data_offsets":[0,16]}})", data16),
       "non-negative integers"},
      {"unknown dtype",
       make_file(R"({"a":{"dtype":"F128","shape":[1],"data_offsets":[0,16]}})", data16),
       "unsupported dtype 'F128'"},
      {"invalid JSON", make_file(R"({"a":{"dtype":"F32",)", data16), "not valid JSON"},
      {"non-UTF-8",
       make_file("{\"\xff\xfe\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}",
                 data16),
       "not valid JSON"},
      {"not an object", make_file("[1, 2]", data16), "does not start with '{'"},
      {"duplicate key",
       make_file(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},)"
                 R"("a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})",
                 data16),
       "appears twice"},
      {"bad metadata", make_file(R"({"__metadata__":{"x":1}})", {}), "not a string"},
      {"missing offsets", make_file(R"({"a":{"dtype":"F32","shape":[1]}})", data16),
       "data_offsets"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.what);
    const std::string err = parse_error(c.bytes);
    EXPECT_NE(err.find(c.expect), std::string::npos) << err;
    EXPECT_NE(err.find("test.safetensors"), std::string::npos) << err;
  }
  EXPECT_EQ(parse_error(make_file(ok, data16)), "");
}

TEST(Safetensors, CorruptedBytesNeverCrash) {
  // Flip each header byte in turn: either a clean parse or a sembed::Error.
  const auto bytes = testing::read_bytes(fixture("tiny/model.safetensors"));
  const size_t header_end = 8 + (bytes[0] | (bytes[1] << 8));
  for (size_t i = 0; i < header_end; ++i) {
    auto b = bytes;
    b[i] ^= 0x5a;
    (void)parse_error(b);
  }
}

TEST(Safetensors, HostileShardIndex) {
  testing::TempDir dir;
  testing::write_text(dir / "model.safetensors.index.json",
                      R"({"weight_map":{"a":"../../etc/passwd"}})");
  try {
    WeightStore::open(dir.path());
    FAIL() << "escaping shard name accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("not a plain file name"), std::string::npos) << e.what();
  }
  // A shard that does not hold what the index says.
  std::filesystem::copy(fixture("tiny-sharded"), dir.path() / "m");
  testing::write_text(dir / "m/model.safetensors.index.json",
                      R"({"weight_map":{"pooler.dense.bias":"model-00001-of-00002.safetensors"}})");
  try {
    WeightStore::open(dir / "m");
    FAIL() << "index lies accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("pooler.dense.bias"), std::string::npos) << e.what();
  }
}

TEST(WeightStore, EmptyDirectoryNamesWhatItLookedFor) {
  testing::TempDir dir;
  try {
    WeightStore::open(dir.path());
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("model.safetensors"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("pytorch_model.bin"), std::string::npos) << e.what();
  }
}

TEST(WeightStore, RequireNamesTensorAndShapes) {
  const auto ws = WeightStore::open(fixture("tiny"));
  EXPECT_NO_THROW(ws.require("embeddings.LayerNorm.weight", {8}));
  try {
    ws.require("embeddings.word_embeddings.weight", {30522, 8});
    FAIL();
  } catch (const Error& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("embeddings.word_embeddings.weight"), std::string::npos) << m;
    EXPECT_NE(m.find("[32, 8]"), std::string::npos) << m;
    EXPECT_NE(m.find("[30522, 8]"), std::string::npos) << m;
  }
  try {
    ws.require("encoder.layer.7.output.dense.weight", {8, 16});
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("encoder.layer.7.output.dense.weight"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("missing"), std::string::npos);
  }
}

}  // namespace
}  // namespace sembed::loader
