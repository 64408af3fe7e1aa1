// See dnnl_context.hpp.
#include "ops/cpu/dnnl_context.hpp"

namespace sembed::ops::cpu {

namespace {

dnnl::engine make_engine() {
  // oneDNN keeps its own cache of the last 1,024 primitives created (JIT code included), beside
  // the bounded per-weight cache in linear.cpp; with packed batches of varied shapes it filled up
  // and held ~200 MB in a server for nothing (every reuse hits linear.cpp's cache first). Off.
  dnnl::set_primitive_cache_capacity(0);
  return dnnl::engine(dnnl::engine::kind::cpu, 0);
}

}  // namespace

const dnnl::engine& engine() {
  static const dnnl::engine e = make_engine();
  return e;
}

dnnl::stream& stream() {
  // A CPU stream runs primitives synchronously on the calling thread's OpenMP team; one per
  // thread avoids any sharing between concurrent callers.
  thread_local dnnl::stream s(engine());
  return s;
}

}  // namespace sembed::ops::cpu
