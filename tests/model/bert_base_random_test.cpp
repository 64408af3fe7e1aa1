// BERT-base with random weights (the seed model's exact config.json) against transformers on the
// seed's four sentences, to 1e-4 absolute. The ~440 MB model is not committed: make it with
//   /work/refvenv/bin/python scripts/make_bert_base_random_reference.py --out DIR
// and run with SEMBED_BERT_BASE_RANDOM_DIR=DIR; skipped otherwise.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>

#include "reference_fixture.hpp"

namespace sembed::model {
namespace {

TEST(BertBaseRandom, MatchesTransformersTo1e4) {
  const char* env = std::getenv("SEMBED_BERT_BASE_RANDOM_DIR");
  if (!env || !std::filesystem::exists(std::filesystem::path(env) / "reference.json"))
    GTEST_SKIP() << "set SEMBED_BERT_BASE_RANDOM_DIR to the output of "
                    "scripts/make_bert_base_random_reference.py to run this test";
  const std::filesystem::path dir(env);
  auto md = loader::read_model_directory(dir);
  auto weights = loader::WeightStore::open(dir);
  TransformerEncoder encoder(md.encoder, weights);
  auto ref = test::read_reference(dir / "reference.json");
  for (int threads : {1, 2}) {
    auto d = test::compare(encoder, ref, threads);
    std::printf(
        "bert-base random threads=%d max abs diff: last_hidden_state %.3g pooler %.3g mean %.3g\n",
        threads, d.hidden, d.pooler, d.mean);
    EXPECT_LT(d.hidden, 1e-4);
    EXPECT_LT(d.pooler, 1e-4);
    EXPECT_LT(d.mean, 1e-4);
  }
  // Batch invariance at full size: each sentence alone equals its rows in the packed batch.
  const size_t H = static_cast<size_t>(encoder.hidden_size());
  for (int threads : {1, 2}) {
    PackedBatch all = test::pack(ref, test::all_sequences(ref));
    EncoderOutput packed;
    encoder.forward(all, packed, true, threads);
    for (size_t s = 0; s < ref.ids.size(); ++s) {
      EncoderOutput alone;
      encoder.forward(test::pack(ref, {s}), alone, true, threads);
      const float* rows = packed.last_hidden_state.data() + all.seq_offsets[s] * H;
      EXPECT_TRUE(std::equal(alone.last_hidden_state.begin(), alone.last_hidden_state.end(), rows))
          << "sentence " << s << " threads " << threads;
      EXPECT_TRUE(std::equal(alone.pooler_output.begin(), alone.pooler_output.end(),
                             packed.pooler_output.begin() + s * H));
    }
  }
}

}  // namespace
}  // namespace sembed::model
