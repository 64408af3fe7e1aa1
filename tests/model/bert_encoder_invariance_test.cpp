// Batching cannot change results: a sequence encoded alone and inside any batch (any order,
// any companions) gives bit-identical last_hidden_state and pooler_output; and concurrent
// forward() calls from several threads give the same results as serial calls.
#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <thread>

#include "reference_fixture.hpp"

namespace sembed::model {
namespace {

using test::tiny;

TEST(BertEncoderInvariance, AloneEqualsInAnyBatchBitForBit) {
  const auto& r = tiny().ref;
  const size_t H = 32, n = r.ids.size();
  for (int threads : {1, 2}) {
    std::vector<EncoderOutput> alone(n);
    for (size_t s = 0; s < n; ++s)
      tiny().encoder.forward(test::pack(r, {s}), alone[s], true, threads);
    std::mt19937 gen(3);
    for (int trial = 0; trial < 6; ++trial) {
      // A random multiset of sequences in random order, with repeats.
      std::vector<size_t> which;
      const size_t count = 1 + gen() % 12;
      for (size_t i = 0; i < count; ++i) which.push_back(gen() % n);
      PackedBatch b = test::pack(r, which);
      EncoderOutput out;
      tiny().encoder.forward(b, out, true, threads);
      for (size_t k = 0; k < which.size(); ++k) {
        const size_t s = which[k], len = r.ids[s].size();
        EXPECT_EQ(0, std::memcmp(out.last_hidden_state.data() + b.seq_offsets[k] * H,
                                 alone[s].last_hidden_state.data(), len * H * sizeof(float)))
            << "sequence " << s << " at slot " << k << " threads " << threads;
        EXPECT_EQ(0, std::memcmp(out.pooler_output.data() + k * H, alone[s].pooler_output.data(),
                                 H * sizeof(float)));
      }
    }
  }
}

// Large batches are split between threads, small ones share each op: neither, nor the thread
// count, may change a bit of the output.
TEST(BertEncoderInvariance, ThreadCountDoesNotChangeResults) {
  const auto& r = tiny().ref;
  // {3, 4} x 4 is 104 tokens in two balanced halves: two threads split that batch.
  for (auto which :
       {test::all_sequences(r), std::vector<size_t>{6}, std::vector<size_t>{3, 6, 5, 6},
        std::vector<size_t>{3, 4, 3, 4, 3, 4, 3, 4}}) {
    PackedBatch b = test::pack(r, which);
    EncoderOutput one;
    tiny().encoder.forward(b, one, true, 1);
    for (int threads : {2, 3, 4}) {
      EncoderOutput many;
      tiny().encoder.forward(b, many, true, threads);
      EXPECT_EQ(one.last_hidden_state, many.last_hidden_state) << threads;
      EXPECT_EQ(one.pooler_output, many.pooler_output) << threads;
    }
  }
}

TEST(BertEncoderInvariance, ConcurrentCallersMatchSerial) {
  const auto& r = tiny().ref;
  PackedBatch all = test::pack(r, test::all_sequences(r));
  PackedBatch some = test::pack(r, {5, 0, 8});
  EncoderOutput expect_all, expect_some;
  tiny().encoder.forward(all, expect_all, true, 2);
  tiny().encoder.forward(some, expect_some, true, 1);
  std::vector<int> ok(4, 0);
  std::vector<std::thread> pool;
  for (int t = 0; t < 4; ++t)
    pool.emplace_back([&, t] {
      bool good = true;
      EncoderOutput out;  // reused across calls, as the engine does
      for (int rep = 0; rep < 10; ++rep) {
        const bool big = (rep + t) % 2 == 0;
        tiny().encoder.forward(big ? all : some, out, true, big ? 2 : 1);
        const EncoderOutput& e = big ? expect_all : expect_some;
        good = good && out.last_hidden_state == e.last_hidden_state &&
               out.pooler_output == e.pooler_output;
      }
      ok[t] = good;
    });
  for (auto& th : pool) th.join();
  for (int t = 0; t < 4; ++t) EXPECT_TRUE(ok[t]) << "thread " << t;
}

}  // namespace
}  // namespace sembed::model
