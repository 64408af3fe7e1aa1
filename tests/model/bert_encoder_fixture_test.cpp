// The encoder against transformers' BertModel on the committed tiny random BERT
// (tests/fixtures/tiny-bert, made by scripts/make_tiny_bert_fixture.py): last_hidden_state per
// real token, pooler_output, and mean pooling; plus input validation errors.
#include <gtest/gtest.h>

#include <sembed/error.hpp>

#include "reference_fixture.hpp"

namespace sembed::model {
namespace {

using test::tiny;

TEST(BertEncoderFixture, MatchesTransformers) {
  for (int threads : {1, 2}) {
    auto d = test::compare(tiny().encoder, tiny().ref, threads);
    RecordProperty("max_abs_diff_hidden", std::to_string(d.hidden));
    std::printf("tiny-bert threads=%d max abs diff: last_hidden_state %.3g pooler %.3g mean %.3g\n",
                threads, d.hidden, d.pooler, d.mean);
    EXPECT_LT(d.hidden, 1e-5);
    EXPECT_LT(d.pooler, 1e-5);
    EXPECT_LT(d.mean, 1e-5);
  }
}

TEST(BertEncoderFixture, ParameterCountAndPooler) {
  EXPECT_TRUE(tiny().encoder.has_pooler());
  EXPECT_EQ(tiny().encoder.hidden_size(), 32);
  EXPECT_EQ(tiny().encoder.parameter_count(), tiny().weights.parameter_count());
}

TEST(BertEncoderFixture, EmptyBatch) {
  PackedBatch b;
  b.seq_offsets = {0};
  EncoderOutput out;
  tiny().encoder.forward(b, out, true, 2);
  EXPECT_TRUE(out.last_hidden_state.empty());
  EXPECT_TRUE(out.pooler_output.empty());
}

TEST(BertEncoderFixture, TypeIdsMayBeOmitted) {
  // Sequence 0 has all-zero type ids, so omitting them must give the same result.
  PackedBatch with = test::pack(tiny().ref, {0, 3});
  PackedBatch without = with;
  without.type_ids.clear();
  EncoderOutput a, b;
  tiny().encoder.forward(with, a, false, 1);
  tiny().encoder.forward(without, b, false, 1);
  EXPECT_EQ(a.last_hidden_state, b.last_hidden_state);
}

void expect_error(PackedBatch b, bool pooler, const std::string& fragment) {
  EncoderOutput out;
  try {
    tiny().encoder.forward(b, out, pooler, 1);
    ADD_FAILURE() << "no error, expected one mentioning " << fragment;
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
  }
}

TEST(BertEncoderFixture, BadInputsNameTheProblem) {
  PackedBatch ok = test::pack(tiny().ref, {0, 1});
  PackedBatch b = ok;
  b.ids[2] = 512;
  expect_error(b, false, "outside the vocabulary");
  b = ok;
  b.ids[0] = -1;
  expect_error(b, false, "sequence 0");
  b = ok;
  b.type_ids[1] = 2;
  expect_error(b, false, "token type id 2");
  b = ok;
  b.seq_offsets.back() = 99;
  expect_error(b, false, "seq_offsets");
  b.ids.assign(65, 1);
  b.type_ids.assign(65, 0);
  b.seq_offsets = {0, 65};
  expect_error(b, false, "max_position_embeddings");
  b.seq_offsets = {0, 0, 65};
  expect_error(b, true, "empty");
}

TEST(BertEncoderFixture, MisShapedWeightIsNamed) {
  loader::EncoderConfig wrong = tiny().dir.encoder;
  wrong.intermediate_size = 63;
  try {
    TransformerEncoder enc(wrong, tiny().weights);
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("intermediate.dense"), std::string::npos) << e.what();
  }
  wrong = tiny().dir.encoder;
  wrong.hidden_act = "relu";
  EXPECT_THROW(TransformerEncoder(wrong, tiny().weights), Error);
}

}  // namespace
}  // namespace sembed::model
