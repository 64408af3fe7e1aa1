// Counts physical cores from sysfs (distinct package/core id pairs of the online CPUs), because
// hyper-threads share the vector units BERT's matmuls saturate. Falls back to
// std::thread::hardware_concurrency() when sysfs is unavailable.
#include <fstream>
#include <set>
#include <string>
#include <thread>
#include <utility>

#include "engine/model_impl.hpp"

namespace sembed {

int physical_core_count() {
  std::set<std::pair<int, int>> cores;
  for (int cpu = 0;; ++cpu) {
    const std::string base = "/sys/devices/system/cpu/cpu" + std::to_string(cpu) + "/topology/";
    std::ifstream core_file(base + "core_id"), package_file(base + "physical_package_id");
    if (!core_file || !package_file) break;
    int core = -1, package = -1;
    core_file >> core;
    package_file >> package;
    cores.insert({package, core});
  }
  if (!cores.empty()) return static_cast<int>(cores.size());
  const unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : static_cast<int>(n);
}

}  // namespace sembed
