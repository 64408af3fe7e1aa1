// OpenMP plumbing for parallel.hpp: pragmas when compiled with -fopenmp, otherwise libgomp's
// entry points found with dlsym (libdnnl links libgomp, so it is already in the process).
#include "ops/cpu/parallel.hpp"

#include <algorithm>
#include <atomic>

#ifdef _OPENMP
#include <omp.h>
#else
#include <dlfcn.h>
#endif

namespace sembed::ops::cpu {
namespace {

#ifndef _OPENMP
// libgomp's ABI for `#pragma omp parallel`: GOMP_parallel(fn, data, num_threads, flags).
struct Gomp {
  void (*parallel)(void (*)(void*), void*, unsigned, unsigned) = nullptr;
  int (*thread_num)() = nullptr;
  int (*num_threads)() = nullptr;
  void (*set_num_threads)(int) = nullptr;
  int (*get_max_threads)() = nullptr;
  bool ok() const {
    return parallel && thread_num && num_threads && set_num_threads && get_max_threads;
  }
};

const Gomp& gomp() {
  static const Gomp g = [] {
    Gomp r;
    // RTLD_DEFAULT is a null pointer, so it cannot double as "not found".
    void* handle = RTLD_DEFAULT;
    if (!dlsym(handle, "GOMP_parallel")) {
      handle = dlopen("libgomp.so.1", RTLD_NOW | RTLD_NOLOAD);
      if (!handle) return r;
    }
    r.parallel = reinterpret_cast<decltype(r.parallel)>(dlsym(handle, "GOMP_parallel"));
    r.thread_num = reinterpret_cast<decltype(r.thread_num)>(dlsym(handle, "omp_get_thread_num"));
    r.num_threads = reinterpret_cast<decltype(r.num_threads)>(dlsym(handle, "omp_get_num_threads"));
    r.set_num_threads =
        reinterpret_cast<decltype(r.set_num_threads)>(dlsym(handle, "omp_set_num_threads"));
    r.get_max_threads =
        reinterpret_cast<decltype(r.get_max_threads)>(dlsym(handle, "omp_get_max_threads"));
    if (!r.ok()) r = Gomp{};
    return r;
  }();
  return g;
}
#endif

// Runs body(thread_index, thread_count) on a team of `threads` threads.
template <class Body>
void run_team(int threads, Body&& body) {
#ifdef _OPENMP
#pragma omp parallel num_threads(threads)
  body(omp_get_thread_num(), omp_get_num_threads());
#else
  const Gomp& g = gomp();
  if (!g.ok()) {
    body(0, 1);
    return;
  }
  struct Ctx {
    Body* body;
    const Gomp* g;
  } ctx{&body, &g};
  g.parallel(
      [](void* p) {
        auto* c = static_cast<Ctx*>(p);
        (*c->body)(c->g->thread_num(), c->g->num_threads());
      },
      &ctx, static_cast<unsigned>(threads), 0);
#endif
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

int max_threads() {
#ifdef _OPENMP
  return omp_get_max_threads();
#else
  return gomp().ok() ? gomp().get_max_threads() : 1;
#endif
}

ScopedThreadCount::ScopedThreadCount(int threads) : previous_(max_threads()) {
#ifdef _OPENMP
  omp_set_num_threads(std::max(1, threads));
#else
  if (gomp().ok()) gomp().set_num_threads(std::max(1, threads));
#endif
}

ScopedThreadCount::~ScopedThreadCount() {
#ifdef _OPENMP
  omp_set_num_threads(previous_);
#else
  if (gomp().ok()) gomp().set_num_threads(previous_);
#endif
}

}  // namespace sembed::ops::cpu
