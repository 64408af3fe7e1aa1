// pytorch_model.bin: the committed torch.save fixtures load to the same bytes as the safetensors
// ones (prefix stripped, views gathered, f16/bf16 converted like torch), and hostile archives
// and pickles are refused with a clear error and no read outside the file.
#include "loader/torch_bin.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <sembed/error.hpp>

#include "loader/encoder_tensor_names.hpp"
#include "loader/model_directory.hpp"
#include "loader/unpickler.hpp"
#include "loader/weight_store.hpp"
#include "loader/zip_reader.hpp"
#include "test_util.hpp"

namespace sembed::loader {
namespace {

using testing::fixture;
using testing::GuardedBuffer;

std::string bin_error(const std::vector<uint8_t>& bytes) {
  GuardedBuffer buf(bytes);
  try {
    parse_torch_bin(buf.data(), buf.size(), "test.bin");
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

std::string pickle_error(const std::string& bytes) {
  GuardedBuffer buf(std::vector<uint8_t>(bytes.begin(), bytes.end()));
  try {
    unpickle_state_dict(buf.data(), buf.size(), "data.pkl");
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

void expect_same_tensors(const WeightStore& a, const WeightStore& b,
                         const std::vector<std::string>& skip = {}) {
  size_t compared = 0;
  for (const auto& [name, t] : b.tensors()) {
    if (std::find(skip.begin(), skip.end(), name) != skip.end()) continue;
    const TensorView* u = a.find(name);
    ASSERT_NE(u, nullptr) << name;
    ASSERT_EQ(t.shape, u->shape) << name;
    EXPECT_EQ(std::memcmp(t.data, u->data, t.numel() * sizeof(float)), 0) << name;
    ++compared;
  }
  EXPECT_EQ(compared + skip.size(), a.tensors().size());
}

TEST(TorchBin, SameBytesAsSafetensors) {
  const auto bin = WeightStore::open(fixture("tiny-bin"));
  const auto st = WeightStore::open(fixture("tiny"));
  EXPECT_EQ(bin.source(), "pytorch_model.bin");
  // The fixture adds a cls.* head that a BertModel ignores.
  expect_same_tensors(bin, st, {"cls.predictions.bias"});
  // The transposed view was gathered; the others point into the map (torch aligns storages).
  EXPECT_EQ(bin.zero_copy_tensors(), bin.tensors().size() - 1);
  const auto md = read_model_directory(fixture("tiny-bin"));
  const auto check = check_encoder_tensors(md.encoder, bin);
  EXPECT_TRUE(check.has_pooler);
  ASSERT_FALSE(check.notes.empty());
  EXPECT_NE(check.notes.back().find("task-head"), std::string::npos);
}

TEST(TorchBin, HalfAndBfloat16StoragesConvertLikeTorch) {
  const auto bin = WeightStore::open(fixture("tiny-bin-f16"));
  EXPECT_EQ(bin.source_dtype(), "BF16+F16+F32");
  expect_same_tensors(bin,
                      WeightStore::open_file(fixture("tiny-bin-f16/expected_f32.safetensors")));
}

TEST(TorchBin, ShardsCombine) {
  expect_same_tensors(WeightStore::open(fixture("tiny-bin-sharded")),
                      WeightStore::open(fixture("tiny")));
}

TEST(TorchBin, ForbiddenGlobalsAreNamedAndNeverRun) {
  for (const char* f : {"hostile/os_system.bin", "hostile/stack_global.bin"}) {
    SCOPED_TRACE(f);
    try {
      WeightStore::open_file(fixture(f));
      FAIL() << "accepted";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("forbidden global 'posix.system'"), std::string::npos)
          << e.what();
    }
  }
}

TEST(TorchBin, CompressedAndLegacyAreRefused) {
  try {
    WeightStore::open_file(fixture("hostile/compressed.bin"));
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("is compressed (method 8)"), std::string::npos)
        << e.what();
  }
  try {
    WeightStore::open_file(fixture("hostile/legacy.bin"));
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("unsupported"), std::string::npos) << e.what();
  }
  EXPECT_NO_THROW(WeightStore::open_file(fixture("hostile/small_valid.bin")));
}

TEST(TorchBin, EveryTruncationIsAnError) {
  const auto bytes = testing::read_bytes(fixture("hostile/small_valid.bin"));
  EXPECT_EQ(bin_error(bytes), "");
  for (size_t n = 0; n < bytes.size(); ++n)
    EXPECT_NE(bin_error({bytes.begin(), bytes.begin() + static_cast<long>(n)}), "") << n;
}

TEST(TorchBin, EveryByteFlipIsHandled) {
  // CRC-32 catches data corruption; header corruption must give an error, never a crash.
  const auto bytes = testing::read_bytes(fixture("hostile/small_valid.bin"));
  size_t refused = 0;
  for (size_t i = 0; i < bytes.size(); ++i) {
    auto b = bytes;
    b[i] ^= 0xff;
    refused += bin_error(b).empty() ? 0 : 1;
  }
  EXPECT_GT(refused, 0u);
}

TEST(TorchBin, BrokenCentralDirectory) {
  const auto bytes = testing::read_bytes(fixture("hostile/small_valid.bin"));
  // The end record is the last 22 bytes (torch writes no comment).
  const size_t eocd = bytes.size() - 22;
  ASSERT_EQ(bytes[eocd], 0x50);
  ASSERT_EQ(bytes[eocd + 1], 0x4b);
  auto set32 = [](std::vector<uint8_t>& b, size_t at, uint32_t v) {
    for (int i = 0; i < 4; ++i) b[at + i] = static_cast<uint8_t>(v >> (8 * i));
  };
  auto off_end = bytes;
  set32(off_end, eocd + 16, 0x7fffff00);  // central directory offset past the end
  EXPECT_NE(bin_error(off_end).find("runs past the end of the file"), std::string::npos)
      << bin_error(off_end);
  auto big_size = bytes;
  set32(big_size, eocd + 12, 0x7fffff00);  // central directory size past the end
  EXPECT_NE(bin_error(big_size).find("broken zip archive"), std::string::npos);
  auto count = bytes;
  count[eocd + 10] = 0xfe;  // more entries than the directory holds
  count[eocd + 11] = 0x00;
  EXPECT_NE(bin_error(count).find("broken zip archive"), std::string::npos) << bin_error(count);
  auto sig = bytes;
  const uint32_t cd =
      sig[eocd + 16] | (sig[eocd + 17] << 8) | (sig[eocd + 18] << 16) | (sig[eocd + 19] << 24);
  sig[cd] = 'X';
  EXPECT_NE(bin_error(sig).find("central directory record signature"), std::string::npos);
  // torch always writes a zip64 end record too: saturated 32-bit fields must lead to it.
  auto z64 = bytes;
  z64[eocd + 8] = z64[eocd + 9] = z64[eocd + 10] = z64[eocd + 11] = 0xff;
  set32(z64, eocd + 12, 0xffffffffu);
  set32(z64, eocd + 16, 0xffffffffu);
  EXPECT_EQ(bin_error(z64), "");
  auto z64_bad = z64;
  set32(z64_bad, eocd - 20 + 8, 0x7ffffff0);  // locator points past the end
  EXPECT_NE(bin_error(z64_bad).find("zip64 end record"), std::string::npos) << bin_error(z64_bad);
  auto no_end = bytes;
  no_end[eocd] = 'X';
  EXPECT_NE(bin_error(no_end).find("no end-of-central-directory"), std::string::npos);
}

TEST(TorchBin, NotAZipAtAll) {
  EXPECT_NE(bin_error({}).find("empty"), std::string::npos);
  const std::string text = "hello, this is not a model";
  EXPECT_NE(bin_error({text.begin(), text.end()}).find("not a torch zip archive"),
            std::string::npos);
}

// Hand-written pickles for what the fixtures do not reach.
TEST(Unpickler, RefusesWhatAStateDictDoesNotNeed) {
  using namespace std::string_literals;  // pickles hold NUL bytes
  // PROTO 2, GLOBAL builtins eval
  EXPECT_NE(pickle_error("\x80\x02"
                         "cbuiltins\neval\n"s)
                .find("forbidden global 'builtins.eval'"),
            std::string::npos);
  // A control character in a global name is not echoed raw.
  EXPECT_NE(pickle_error("\x80\x02"
                         "cos\x1b[2J\nsystem\n"s)
                .find("forbidden global 'os?[2J.system'"),
            std::string::npos);
  EXPECT_NE(pickle_error("\x80\x02i"s).find("unsupported pickle opcode 0x69"), std::string::npos);
  EXPECT_NE(pickle_error("\x80\x02h\x05"s).find("memo entry 5"), std::string::npos);
  EXPECT_NE(pickle_error("\x80\x02"
                         "0"s)
                .find("stack underflow"),
            std::string::npos);
  EXPECT_NE(pickle_error("\x80\x02X\xff\xff\xff\x7f"s).find("truncated"), std::string::npos);
  EXPECT_NE(pickle_error(std::string("\x80\x02X\x02\x00\x00\x00\xc3\x28", 9)).find("UTF-8"),
            std::string::npos);
  EXPECT_EQ(pickle_error("\x80\x02}."s), "");  // an empty dict is an empty state_dict
  EXPECT_NE(pickle_error("\x80\x02]."s), "");  // a list is not
  // A list appended to itself: no leak, no recursion, just "not a state_dict".
  EXPECT_NE(pickle_error("\x80\x02]q\x00h\x00"
                         "a."s)
                .find("not a state_dict"),
            std::string::npos);
  // LONG1 wider than 64 bits.
  EXPECT_NE(
      pickle_error(std::string("\x80\x02\x8a\x09", 4) + std::string(9, '\x01')).find("64 bits"),
      std::string::npos);
}

}  // namespace
}  // namespace sembed::loader
