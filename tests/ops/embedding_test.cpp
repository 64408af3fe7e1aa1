// Embedding sum: positions restart per sequence; type ids optional.
#include "ops/cpu/embedding.hpp"

#include <gtest/gtest.h>

#include "test_util.hpp"

namespace sembed::ops::cpu {
namespace {

TEST(Embedding, SumsWordTypeAndPerSequencePosition) {
  const size_t H = 20, vocab = 50, maxpos = 10;
  auto word = test::random_vector(vocab * H, 1);
  auto pos = test::random_vector(maxpos * H, 2);
  auto type = test::random_vector(2 * H, 3);
  std::vector<int32_t> ids = {1, 2, 3, 49, 0, 7, 8};
  std::vector<int32_t> types = {0, 0, 1, 0, 1, 1, 0};
  std::vector<size_t> off = {0, 3, 4, 7};
  EmbeddingTables tables{word.data(), pos.data(), type.data(), H};
  for (bool with_types : {true, false}) {
    std::vector<float> out(ids.size() * H);
    embed(ids.data(), with_types ? types.data() : nullptr, off.data(), 3, tables, out.data(), 2);
    for (size_t s = 0; s < 3; ++s)
      for (size_t t = off[s]; t < off[s + 1]; ++t)
        for (size_t c = 0; c < H; ++c) {
          const int ty = with_types ? types[t] : 0;
          const float expect =
              (word[ids[t] * H + c] + type[ty * H + c]) + pos[(t - off[s]) * H + c];
          ASSERT_EQ(out[t * H + c], expect) << t << "," << c;
        }
  }
}

}  // namespace
}  // namespace sembed::ops::cpu
