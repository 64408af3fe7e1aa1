// Packed attention against a naive per-sequence reference; sequences never see each other, and a
// sequence's output is bit-identical alone or packed with others, with 1 or 2 threads.
#include "ops/cpu/attention.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

#include "test_util.hpp"

namespace sembed::ops::cpu {
namespace {

// window > 0: query i sees only keys j with |i - j| <= window.
std::vector<double> naive_attention(const std::vector<float>& qkv, const std::vector<size_t>& off,
                                    size_t H, size_t heads, size_t window = 0) {
  const size_t d = H / heads, T = off.back();
  std::vector<double> out(T * H);
  for (size_t s = 0; s + 1 < off.size(); ++s)
    for (size_t h = 0; h < heads; ++h)
      for (size_t i = off[s]; i < off[s + 1]; ++i) {
        std::vector<double> p;
        double m = -1e300;
        for (size_t j = off[s]; j < off[s + 1]; ++j) {
          if (window && (j + window < i || j > i + window)) {
            p.push_back(-1e300);
            continue;
          }
          double dot = 0;
          for (size_t c = 0; c < d; ++c)
            dot += double(qkv[i * 3 * H + h * d + c]) * qkv[j * 3 * H + H + h * d + c];
          p.push_back(dot / std::sqrt(double(d)));
          m = std::max(m, p.back());
        }
        double sum = 0;
        for (auto& v : p) sum += v = std::exp(v - m);
        for (size_t c = 0; c < d; ++c) {
          double acc = 0;
          for (size_t j = off[s]; j < off[s + 1]; ++j)
            acc += p[j - off[s]] / sum * qkv[j * 3 * H + 2 * H + h * d + c];
          out[i * H + h * d + c] = acc;
        }
      }
  return out;
}

TEST(Attention, MatchesNaiveOnPackedSequences) {
  for (auto [H, heads] :
       {std::pair<size_t, size_t>{32, 4}, {384, 12}, {96, 3}, {40, 2}, {256, 2}, {64, 4}}) {
    std::vector<size_t> off = {0, 1, 3, 20, 20, 53, 60};  // includes an empty sequence
    const size_t T = off.back();
    auto qkv = test::random_vector(T * 3 * H, unsigned(H), 1.f);
    std::vector<float> ctx(T * H);
    attention(qkv.data(), off.data(), off.size() - 1, {H, heads}, ctx.data(), 2);
    EXPECT_LT(test::max_abs_diff(ctx, naive_attention(qkv, off, H, heads)), 2e-6) << H;
  }
}

// Past 1,024 tokens attention runs in tiles with an online softmax (attend_tiled): same result
// to float rounding, partial row blocks and key tiles included, any head size.
TEST(Attention, LongSequencesMatchNaive) {
  for (auto [H, heads] : {std::pair<size_t, size_t>{128, 2}, {36, 3}}) {
    std::vector<size_t> off = {0, 5, 1030, 1030 + 1337};
    const size_t T = off.back();
    auto qkv = test::random_vector(T * 3 * H, unsigned(H) + 7, 1.f);
    std::vector<float> ctx(T * H);
    attention(qkv.data(), off.data(), off.size() - 1, {H, heads}, ctx.data(), 2);
    EXPECT_LT(test::max_abs_diff(ctx, naive_attention(qkv, off, H, heads)), 2e-6) << H;
  }
}

// A sliding window (ModernBERT's local layers) masks every key farther than the window, on
// short and long sequences and windows narrower and wider than a 16-key block.
TEST(Attention, SlidingWindowMatchesNaive) {
  for (size_t window : {1, 8, 20, 64}) {
    const size_t H = 64, heads = 2;
    std::vector<size_t> off = {0, 3, 40, 340, 1540};
    const size_t T = off.back();
    auto qkv = test::random_vector(T * 3 * H, unsigned(window), 1.f);
    std::vector<float> ctx(T * H);
    AttentionOptions options;
    options.window = static_cast<int>(window);
    attention(qkv.data(), off.data(), off.size() - 1, {H, heads}, ctx.data(), 2, options);
    EXPECT_LT(test::max_abs_diff(ctx, naive_attention(qkv, off, H, heads, window)), 2e-6)
        << window;
  }
}

TEST(Attention, SequenceAloneEqualsSequenceInBatchBitForBit) {
  const size_t H = 384, heads = 12;
  std::vector<size_t> off = {0, 9, 40, 41, 141};
  const size_t T = off.back();
  auto qkv = test::random_vector(T * 3 * H, 5, 2.f);
  std::vector<float> packed(T * H);
  attention(qkv.data(), off.data(), off.size() - 1, {H, heads}, packed.data(), 2);
  for (size_t s = 0; s + 1 < off.size(); ++s) {
    const size_t len = off[s + 1] - off[s];
    size_t one[2] = {0, len};
    std::vector<float> alone(len * H);
    for (int threads : {1, 2}) {
      attention(qkv.data() + off[s] * 3 * H, one, 1, {H, heads}, alone.data(), threads);
      EXPECT_EQ(0, std::memcmp(alone.data(), packed.data() + off[s] * H, len * H * sizeof(float)))
          << s;
    }
  }
}

}  // namespace
}  // namespace sembed::ops::cpu
