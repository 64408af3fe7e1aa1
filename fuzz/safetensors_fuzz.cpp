// libFuzzer target: the safetensors parser on arbitrary bytes. It must either return tensors
// whose byte ranges lie inside the input (every byte of each is read here, so AddressSanitizer
// sees any overrun) or throw sembed::Error. Seeds: tests/fixtures/loader/**/*.safetensors.
#include <cstddef>
#include <cstdint>
#include <sembed/error.hpp>

#include "loader/safetensors.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    const auto tensors = sembed::loader::parse_safetensors(data, size, "fuzz.safetensors");
    volatile uint8_t sink = 0;
    for (const auto& t : tensors) {
      const size_t n = t.numel * sembed::loader::dtype_size(t.dtype);
      for (size_t i = 0; i < n; ++i) sink = sink ^ t.data[i];
    }
  } catch (const sembed::Error&) {
  }
  return 0;
}
