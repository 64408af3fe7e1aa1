// The matrix instructions this CPU offers, as `sembed info` and /info name them: which of the
// reduced-precision paths (LoadOptions::dtype) can run natively here.
// Thread safety: computed once (thread-safe static).
#pragma once

#include <string>
#include <vector>

namespace sembed::ops::cpu {

// A subset of "AMX-BF16", "AMX-INT8", "AVX512-BF16", "AVX512-VNNI", "AVX-VNNI", "AVX512", "AVX2"
// in that order (fastest first), from the kernel's CPU flags (/proc/cpuinfo): what the OS lets
// programs use, AMX included. Empty where the flags cannot be read.
const std::vector<std::string>& cpu_features();

}  // namespace sembed::ops::cpu
