// See dnnl_context.hpp.
#include "ops/cpu/dnnl_context.hpp"

namespace sembed::ops::cpu {

const dnnl::engine& engine() {
  static const dnnl::engine e(dnnl::engine::kind::cpu, 0);
  return e;
}

dnnl::stream& stream() {
  // A CPU stream runs primitives synchronously on the calling thread's OpenMP team; one per
  // thread avoids any sharing between concurrent callers.
  thread_local dnnl::stream s(engine());
  return s;
}

}  // namespace sembed::ops::cpu
