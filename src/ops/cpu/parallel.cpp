// OpenMP plumbing for parallel.hpp. The library is built with OpenMP (the runtime oneDNN uses),
// so our loops and oneDNN's share one thread pool.
#include "ops/cpu/parallel.hpp"

#include <algorithm>
#include <atomic>

#include <omp.h>

namespace sembed::ops::cpu {
namespace {

// Runs body(thread_index, thread_count) on a team of `threads` threads.
template <class Body>
void run_team(int threads, Body&& body) {
#pragma omp parallel num_threads(threads)
  body(omp_get_thread_num(), omp_get_num_threads());
}

}  // namespace

void parallel_for(int threads, size_t n, const std::function<void(size_t, size_t)>& fn) {
  if (n == 0) return;
  threads = std::max(1, std::min<int>(threads, static_cast<int>(n)));
  if (threads == 1) {
    fn(0, n);
    return;
  }
  run_team(threads, [&](int t, int nt) {
    const size_t begin = n * static_cast<size_t>(t) / static_cast<size_t>(nt);
    const size_t end = n * static_cast<size_t>(t + 1) / static_cast<size_t>(nt);
    if (begin < end) fn(begin, end);
  });
}

void parallel_for_dynamic(int threads, size_t n, const std::function<void(size_t)>& fn) {
  if (n == 0) return;
  threads = std::max(1, std::min<int>(threads, static_cast<int>(n)));
  if (threads == 1) {
    for (size_t i = 0; i < n; ++i) fn(i);
    return;
  }
  std::atomic<size_t> next{0};
  run_team(threads, [&](int, int) {
    for (size_t i = next.fetch_add(1, std::memory_order_relaxed); i < n;
         i = next.fetch_add(1, std::memory_order_relaxed))
      fn(i);
  });
}

int max_threads() { return omp_get_max_threads(); }

ScopedThreadCount::ScopedThreadCount(int threads) : previous_(max_threads()) {
  omp_set_num_threads(std::max(1, threads));
}

ScopedThreadCount::~ScopedThreadCount() {
  omp_set_num_threads(previous_);
}

}  // namespace sembed::ops::cpu
