// See cpu_features.hpp. Linux's /proc/cpuinfo "flags" line lists what the kernel enabled; that
// is the right source for AMX, which also needs the kernel's permission (oneDNN asks for it).
#include "ops/cpu/cpu_features.hpp"

#include <fstream>
#include <set>
#include <sstream>

namespace sembed::ops::cpu {
namespace {

std::vector<std::string> read_features() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  std::set<std::string> flags;
  while (std::getline(in, line)) {
    if (line.rfind("flags", 0) != 0) continue;
    std::istringstream words(line.substr(line.find(':') + 1));
    for (std::string w; words >> w;) flags.insert(w);
    break;  // every core lists the same flags
  }
  static const std::pair<const char*, const char*> kNames[] = {{"amx_bf16", "AMX-BF16"},
                                                               {"amx_int8", "AMX-INT8"},
                                                               {"avx512_bf16", "AVX512-BF16"},
                                                               {"avx512_vnni", "AVX512-VNNI"},
                                                               {"avx_vnni", "AVX-VNNI"},
                                                               {"avx512f", "AVX512"},
                                                               {"avx2", "AVX2"}};
  std::vector<std::string> out;
  for (const auto& [flag, name] : kNames)
    if (flags.count(flag)) out.emplace_back(name);
  return out;
}

}  // namespace

const std::vector<std::string>& cpu_features() {
  static const std::vector<std::string> features = read_features();
  return features;
}

}  // namespace sembed::ops::cpu
