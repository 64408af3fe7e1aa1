// The attention mask comes from the tokenizer, never from ids == pad_token_id. XLM-R vocabularies
// on BERT encoders have pad_token_id 0 in config.json while id 0 is <s>; here the same hazard on
// all-MiniLM-L6-v2: a literal "[PAD]" in the text is the added token with id 0 (= its config's
// pad_token_id), a real token of the input. Mean pooling must count it like every other token,
// which is what sentence-transformers does (its mask is the tokenizer's: all ones here).
// Checked without a golden file: the pooled embedding equals the mean of the per-token states
// the same engine returns, and the [PAD] token is among them.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <sembed/sembed.hpp>

namespace sembed {
namespace {

TEST(AttentionMask, TokenWithPadIdIsPooledLikeAnyOther) {
  const auto model = Model::load(resolve_model_dir(std::nullopt));
  const std::string text = "a dog [PAD] runs";
  const TokenizedText t = model->tokenize(text);
  ASSERT_NE(std::find(t.ids.begin(), t.ids.end(), 0), t.ids.end()) << "no id 0 in the input";

  EncodeOptions options;
  options.pooling = PoolingMode::Mean;
  options.normalize = false;
  const Matrix pooled = model->encode({text}, options);
  const std::vector<Matrix> tokens = model->encode_tokens({text}, options);
  ASSERT_EQ(tokens.size(), 1u);
  ASSERT_EQ(tokens[0].rows, t.ids.size());  // every token, [PAD] included, reached the encoder
  const size_t hidden = model->dimension();
  double max_diff = 0;
  for (size_t h = 0; h < hidden; ++h) {
    double mean = 0;
    for (size_t r = 0; r < tokens[0].rows; ++r) mean += tokens[0].row(r)[h];
    mean /= static_cast<double>(tokens[0].rows);
    max_diff = std::max(max_diff, std::abs(mean - pooled.row(0)[h]));
  }
  EXPECT_LT(max_diff, 1e-5);
}

}  // namespace
}  // namespace sembed
