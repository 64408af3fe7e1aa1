// parallel_for covers every index exactly once, for any thread count.
#include "ops/cpu/parallel.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <vector>

namespace sembed::ops::cpu {
namespace {

TEST(Parallel, EveryIndexOnce) {
  for (int threads : {1, 2, 3, 8})
    for (size_t n : {0u, 1u, 2u, 5u, 1000u}) {
      std::vector<std::atomic<int>> hits(n);
      parallel_for(threads, n, [&](size_t b, size_t e) {
        for (size_t i = b; i < e; ++i) hits[i]++;
      });
      for (size_t i = 0; i < n; ++i) ASSERT_EQ(hits[i].load(), 1);
      std::vector<std::atomic<int>> hits2(n);
      parallel_for_dynamic(threads, n, [&](size_t i) { hits2[i]++; });
      for (size_t i = 0; i < n; ++i) ASSERT_EQ(hits2[i].load(), 1);
    }
}

TEST(Parallel, ScopedThreadCountRestores) {
  const int before = max_threads();
  {
    ScopedThreadCount s(1);
    EXPECT_EQ(max_threads(), 1);
    ScopedThreadCount s3(3);
    EXPECT_EQ(max_threads(), 3) << "OpenMP runtime not found: every loop runs on one thread";
  }
  EXPECT_EQ(max_threads(), before);
}

}  // namespace
}  // namespace sembed::ops::cpu
