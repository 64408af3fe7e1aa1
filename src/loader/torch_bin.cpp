// Placeholder until the zip reader and unpickler land.
#include "loader/torch_bin.hpp"

#include <sembed/error.hpp>

namespace sembed::loader {
std::vector<RawTensor> parse_torch_bin(const uint8_t*, size_t, const std::string& label) {
  throw Error(label + ": pytorch .bin files are not supported yet");
}
}  // namespace sembed::loader
