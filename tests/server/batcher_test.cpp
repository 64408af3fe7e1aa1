// Batcher tests with a fake batch function: every request gets exactly its own rows in order,
// batches respect the token budget, large requests split across batches, the queue bound
// refuses work, a failing batch fails only its requests, and stop() drains.
#include "engine/batcher.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <random>
#include <thread>

namespace sembed::engine {
namespace {

// Row i of a batch encodes its sequence: [first id, length, sum of ids].
Matrix fake_embed(const std::vector<std::vector<int32_t>>& ids, const std::vector<size_t>& = {}) {
  Matrix m(ids.size(), 3);
  for (size_t i = 0; i < ids.size(); ++i) {
    long sum = 0;
    for (int32_t v : ids[i]) sum += v;
    m.at(i, 0) = static_cast<float>(ids[i].empty() ? -1 : ids[i][0]);
    m.at(i, 1) = static_cast<float>(ids[i].size());
    m.at(i, 2) = static_cast<float>(sum);
  }
  return m;
}

std::vector<int32_t> seq(int32_t first, size_t len) {
  std::vector<int32_t> s(len, 1);
  s[0] = first;
  return s;
}

void expect_rows(const Matrix& m, const std::vector<std::vector<int32_t>>& ids) {
  ASSERT_EQ(m.rows, ids.size());
  const Matrix want = fake_embed(ids);
  for (size_t i = 0; i < ids.size(); ++i) {
    for (size_t c = 0; c < 3; ++c) EXPECT_EQ(m.at(i, c), want.at(i, c)) << "row " << i;
  }
}

TEST(Batcher, SingleRequestGetsItsRowsInOrder) {
  Batcher b(fake_embed, {});
  std::vector<std::vector<int32_t>> ids = {seq(5, 3), seq(7, 1), seq(9, 10)};
  auto f = b.submit(ids);
  expect_rows(f.get(), ids);
}

TEST(Batcher, EmptyRequestAnsweredAtOnce) {
  Batcher b(fake_embed, {});
  EXPECT_EQ(b.submit({}).get().rows, 0u);
}

TEST(Batcher, BatchesRespectTokenBudgetAndSplitLargeRequests) {
  std::mutex mu;
  std::vector<size_t> batch_tokens;
  BatcherOptions o;
  o.max_batch_tokens = 10;
  Batcher b(
      [&](const std::vector<std::vector<int32_t>>& ids, const std::vector<size_t>&) {
        size_t t = 0;
        for (auto& s : ids) t += s.size();
        std::lock_guard<std::mutex> lock(mu);
        batch_tokens.push_back(t);
        return fake_embed(ids);
      },
      o);
  std::vector<std::vector<int32_t>> ids;
  for (int i = 0; i < 20; ++i) ids.push_back(seq(i, 4));  // 80 tokens: at least 10 batches
  ids.push_back(seq(99, 25));                              // over budget: runs alone
  auto f = b.submit(ids);
  expect_rows(f.get(), ids);
  std::lock_guard<std::mutex> lock(mu);
  EXPECT_GE(batch_tokens.size(), 11u);
  for (size_t t : batch_tokens) EXPECT_TRUE(t <= 10 || t == 25) << t;
}

TEST(Batcher, ConcurrentRequestsEachGetTheirOwnRows) {
  BatcherOptions o;
  o.max_batch_tokens = 64;
  std::atomic<int> batches{0};
  Batcher b(
      [&](const std::vector<std::vector<int32_t>>& ids, const std::vector<size_t>&) {
        ++batches;
        std::this_thread::sleep_for(std::chrono::microseconds(200));
        return fake_embed(ids);
      },
      o);
  constexpr int kThreads = 16, kRequests = 50;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      std::mt19937 rng(t);
      for (int r = 0; r < kRequests; ++r) {
        std::vector<std::vector<int32_t>> ids;
        const int n = 1 + rng() % 5;
        for (int i = 0; i < n; ++i) ids.push_back(seq(t * 1000 + r * 10 + i, 1 + rng() % 30));
        const Matrix m = b.submit(ids).get();
        const Matrix want = fake_embed(ids);
        if (m.rows != want.rows || m.data != want.data) ++failures;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  // Requests were actually combined: fewer engine calls than requests.
  EXPECT_LT(batches.load(), kThreads * kRequests);
}

TEST(Batcher, QueueFullRefusesAndRecovers) {
  std::mutex gate;
  gate.lock();  // the first batch blocks until released
  BatcherOptions o;
  o.max_queue_requests = 2;
  Batcher b(
      [&](const std::vector<std::vector<int32_t>>& ids, const std::vector<size_t>&) {
        std::lock_guard<std::mutex> lock(gate);
        return fake_embed(ids);
      },
      o);
  auto first = b.submit({seq(1, 2)});
  // Wait until the owner thread has taken the first request (queue empty again).
  while (b.queued_requests() != 0) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  auto second = b.submit({seq(2, 2)});
  auto third = b.submit({seq(3, 2)});
  EXPECT_THROW(b.submit({seq(4, 2)}), QueueFull);
  EXPECT_EQ(b.queued_requests(), 2u);
  EXPECT_EQ(b.queued_tokens(), 4u);
  gate.unlock();
  EXPECT_EQ(first.get().at(0, 0), 1.0f);
  EXPECT_EQ(second.get().at(0, 0), 2.0f);
  EXPECT_EQ(third.get().at(0, 0), 3.0f);
  EXPECT_EQ(b.submit({seq(5, 2)}).get().at(0, 0), 5.0f);
}

TEST(Batcher, QueueTokenBoundRefuses) {
  std::mutex gate;
  gate.lock();
  BatcherOptions o;
  o.max_queue_tokens = 10;
  Batcher b(
      [&](const std::vector<std::vector<int32_t>>& ids, const std::vector<size_t>&) {
        std::lock_guard<std::mutex> lock(gate);
        return fake_embed(ids);
      },
      o);
  auto first = b.submit({seq(1, 2)});
  while (b.queued_requests() != 0) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  auto second = b.submit({seq(2, 8)});
  EXPECT_THROW(b.submit({seq(3, 3)}), QueueFull);
  gate.unlock();
  first.get();
  second.get();
}

TEST(Batcher, FailingBatchFailsOnlyItsRequests) {
  BatcherOptions o;
  o.max_batch_tokens = 4;
  Batcher b(
      [](const std::vector<std::vector<int32_t>>& ids, const std::vector<size_t>&) {
        for (auto& s : ids) {
          if (s[0] == 666) throw Error("poisoned sequence");
        }
        return fake_embed(ids);
      },
      o);
  // The bad request spans several batches; only it fails, and its later rows are dropped.
  auto bad = b.submit({seq(1, 2), seq(666, 2), seq(3, 2), seq(4, 2), seq(5, 2)});
  EXPECT_THROW(bad.get(), Error);
  auto good = b.submit({seq(7, 2), seq(8, 2)});
  expect_rows(good.get(), {seq(7, 2), seq(8, 2)});
  EXPECT_EQ(b.queued_tokens(), 0u);
}

TEST(Batcher, PromptTokensReachTheCallbackPerSequence) {
  // Row: [first id, prompt tokens of that sequence]; requests share and split batches.
  BatcherOptions o;
  o.max_batch_tokens = 6;
  Batcher b(
      [](const std::vector<std::vector<int32_t>>& ids, const std::vector<size_t>& prompt_tokens) {
        EXPECT_EQ(prompt_tokens.size(), ids.size());
        Matrix m(ids.size(), 2);
        for (size_t i = 0; i < ids.size(); ++i) {
          m.at(i, 0) = static_cast<float>(ids[i][0]);
          m.at(i, 1) = static_cast<float>(prompt_tokens[i]);
        }
        return m;
      },
      o);
  auto with = b.submit({seq(1, 2), seq(2, 2), seq(3, 2), seq(4, 2)}, {5, 6, 0, 7});
  auto without = b.submit({seq(8, 2), seq(9, 2)});
  const Matrix w = with.get(), n = without.get();
  const float want[][2] = {{1, 5}, {2, 6}, {3, 0}, {4, 7}};
  for (size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(w.at(i, 0), want[i][0]);
    EXPECT_EQ(w.at(i, 1), want[i][1]) << "row " << i;
  }
  EXPECT_EQ(n.at(0, 1), 0.0f);
  EXPECT_EQ(n.at(1, 1), 0.0f);
  EXPECT_THROW(b.submit({seq(1, 2)}, {1, 2}), Error);
}

TEST(Batcher, WrongRowCountIsAnError) {
  Batcher b([](const std::vector<std::vector<int32_t>>&,
               const std::vector<size_t>&) { return Matrix(1, 3); },
            {});
  EXPECT_THROW(b.submit({seq(1, 2), seq(2, 2)}).get(), Error);
}

TEST(Batcher, StopDrainsQueuedWorkThenRefuses) {
  Batcher b(
      [](const std::vector<std::vector<int32_t>>& ids, const std::vector<size_t>&) {
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
        return fake_embed(ids);
      },
      BatcherOptions{8, 512, 1024, 1 << 20});
  std::vector<std::future<Matrix>> futures;
  for (int i = 0; i < 20; ++i) futures.push_back(b.submit({seq(i, 4), seq(i + 100, 4)}));
  b.stop();
  for (int i = 0; i < 20; ++i) {
    const Matrix m = futures[i].get();
    EXPECT_EQ(m.at(1, 0), static_cast<float>(i + 100));
  }
  EXPECT_THROW(b.submit({seq(1, 2)}), BatcherStopped);
  b.stop();  // idempotent
}

}  // namespace
}  // namespace sembed::engine
