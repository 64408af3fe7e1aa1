// The process-wide oneDNN CPU engine and a per-thread stream, shared by every op that calls
// oneDNN. Does not own any primitive.
// Thread safety: engine() is created once (thread-safe static); stream() is per calling thread.
#pragma once

#include <oneapi/dnnl/dnnl.hpp>

namespace sembed::ops::cpu {

const dnnl::engine& engine();
dnnl::stream& stream();

}  // namespace sembed::ops::cpu
