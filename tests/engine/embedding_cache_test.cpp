// EmbeddingCache: hits return the row inserted, least recently used entries go first, the byte
// budget is never exceeded, and concurrent callers are safe.
#include "engine/embedding_cache.hpp"

#include <gtest/gtest.h>

#include <thread>

namespace sembed::engine {
namespace {

std::vector<float> row(float v, size_t dim = 4) { return std::vector<float>(dim, v); }

size_t entry_bytes(size_t ids, size_t dim) {
  return 16 + ids * 4 + dim * 4 + EmbeddingCache::kEntryOverhead;  // two u64 counts, ids, row
}

TEST(EmbeddingCache, HitsMissesAndKeys) {
  EmbeddingCache cache(1 << 20);
  std::vector<float> out(4);
  EXPECT_FALSE(cache.lookup({1, 2, 3}, 0, out.data(), 4));
  cache.insert({1, 2, 3}, 0, row(0.5f).data(), 4);
  ASSERT_TRUE(cache.lookup({1, 2, 3}, 0, out.data(), 4));
  EXPECT_EQ(out, row(0.5f));
  // The prompt token count is part of the key, and so is every id.
  EXPECT_FALSE(cache.lookup({1, 2, 3}, 1, out.data(), 4));
  EXPECT_FALSE(cache.lookup({1, 2}, 0, out.data(), 4));
  EXPECT_FALSE(cache.lookup({1, 2, 3}, 0, out.data(), 5));  // another width: a miss
  cache.insert({1, 2, 3}, 0, row(0.75f).data(), 4);         // replaces
  ASSERT_TRUE(cache.lookup({1, 2, 3}, 0, out.data(), 4));
  EXPECT_EQ(out, row(0.75f));
  const auto s = cache.stats();
  EXPECT_EQ(s.hits, 2u);
  EXPECT_EQ(s.misses, 4u);
  EXPECT_EQ(s.entries, 1u);
  EXPECT_EQ(s.bytes, entry_bytes(3, 4));
}

TEST(EmbeddingCache, EvictsLeastRecentlyUsedWithinTheBudget) {
  const size_t one = entry_bytes(1, 4);
  EmbeddingCache cache(3 * one);
  std::vector<float> out(4);
  for (int i = 0; i < 3; ++i) cache.insert({i}, 0, row(static_cast<float>(i)).data(), 4);
  ASSERT_TRUE(cache.lookup({0}, 0, out.data(), 4));  // 0 is now the most recent
  cache.insert({3}, 0, row(3).data(), 4);            // evicts 1, the least recent
  EXPECT_TRUE(cache.lookup({0}, 0, out.data(), 4));
  EXPECT_FALSE(cache.lookup({1}, 0, out.data(), 4));
  EXPECT_TRUE(cache.lookup({2}, 0, out.data(), 4));
  EXPECT_TRUE(cache.lookup({3}, 0, out.data(), 4));
  EXPECT_EQ(cache.stats().evictions, 1u);
  EXPECT_LE(cache.stats().bytes, 3 * one);
  // A row larger than the whole budget is not cached (and evicts nothing).
  const std::vector<float> huge(1000, 1.0f);
  cache.insert({9}, 0, huge.data(), huge.size());
  EXPECT_EQ(cache.stats().entries, 3u);
}

TEST(EmbeddingCache, StaysWithinItsBudgetUnderAStreamOfUniqueRows) {
  const size_t budget = 64 * 1024;
  EmbeddingCache cache(budget);
  std::vector<float> out(384);
  for (int i = 0; i < 20000; ++i) {
    const std::vector<int32_t> ids(static_cast<size_t>(i % 50) + 2, i);
    cache.insert(ids, 0, row(1.0f, 384).data(), 384);
    ASSERT_LE(cache.stats().bytes, budget);
  }
  EXPECT_GT(cache.stats().evictions, 19000u);
}

TEST(EmbeddingCache, ConcurrentCallers) {
  EmbeddingCache cache(256 * 1024);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&cache, t] {
      std::vector<float> out(8);
      for (int i = 0; i < 5000; ++i) {
        const std::vector<int32_t> ids = {i % 300, t};
        if (cache.lookup(ids, 0, out.data(), 8)) {
          ASSERT_EQ(out, row(static_cast<float>(i % 300), 8));
        } else {
          cache.insert(ids, 0, row(static_cast<float>(i % 300), 8).data(), 8);
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  const auto s = cache.stats();
  EXPECT_EQ(s.hits + s.misses, 20000u);
  EXPECT_GT(s.hits, 0u);
}

}  // namespace
}  // namespace sembed::engine
