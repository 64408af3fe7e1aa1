// Thread control for the CPU ops: one OpenMP runtime (the one oneDNN was built with, libgomp on
// Debian) runs both oneDNN's matmuls and our own loops, so the two never fight over cores with
// two spinning thread pools.
//
// The library is built without -fopenmp, so when _OPENMP is not defined the OpenMP entry points
// are looked up at run time in the libgomp that libdnnl already loaded. If none is found every
// loop runs on the calling thread (correct, just not parallel).
//
// Thread safety: every function may be called from many threads at once. The thread count is
// the calling thread's own OpenMP setting (an OpenMP per-thread ICV), so concurrent callers with
// different thread counts do not disturb each other.
#pragma once

#include <cstddef>
#include <functional>

namespace sembed::ops::cpu {

// Runs fn(begin, end) on `threads` threads; [0, n) is cut into contiguous ranges, one per thread,
// so a given index always lands in a range computed the same way (no effect on results: each
// index's work must not depend on which range holds it).
void parallel_for(int threads, size_t n, const std::function<void(size_t, size_t)>& fn);

// Runs fn(i) for every i in [0, n) on `threads` threads, handing out indices one at a time (for
// work items of very different cost, e.g. attention over sequences of different lengths).
void parallel_for_dynamic(int threads, size_t n, const std::function<void(size_t)>& fn);

// While alive, oneDNN primitives created and executed on this thread use `threads` threads.
// Restores the previous setting on destruction.
class ScopedThreadCount {
 public:
  explicit ScopedThreadCount(int threads);
  ~ScopedThreadCount();
  ScopedThreadCount(const ScopedThreadCount&) = delete;
  ScopedThreadCount& operator=(const ScopedThreadCount&) = delete;

 private:
  int previous_ = 0;
};

// The number of threads the calling thread's parallel regions get by default.
int max_threads();

}  // namespace sembed::ops::cpu
