// libFuzzer target: the restricted unpickler, and the whole torch .bin path (zip reader +
// unpickler + storage views) when the input starts like a zip ("PK"). Each must return or throw
// sembed::Error; every element address a returned tensor can reach is read here so that
// AddressSanitizer sees any overrun. Seeds: tests/fixtures/loader/**/*.bin and their data.pkl.
#include <cstddef>
#include <cstdint>
#include <sembed/error.hpp>

#include "loader/torch_bin.hpp"
#include "loader/unpickler.hpp"

namespace {

// Reads the first and the last element a (possibly strided) view addresses.
void touch(const sembed::loader::RawTensor& t) {
  if (t.numel == 0) return;
  const size_t esize = sembed::loader::dtype_size(t.dtype);
  size_t last = 0;
  for (size_t i = 0; i < t.shape.size(); ++i) {
    const int64_t stride = t.strides.empty() ? 0 : t.strides[i];
    last += static_cast<size_t>(t.shape[i] - 1) * static_cast<size_t>(stride);
  }
  volatile uint8_t sink = t.data[0];
  sink = sink ^ t.data[last * esize + esize - 1];
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    if (size >= 2 && data[0] == 'P' && data[1] == 'K') {
      for (const auto& t : sembed::loader::parse_torch_bin(data, size, "fuzz.bin")) touch(t);
    } else {
      const auto sd = sembed::loader::unpickle_state_dict(data, size, "fuzz.pkl");
      volatile size_t sink = 0;
      for (const auto& t : sd.tensors) sink = sink + t.shape.size() + t.storage;
    }
  } catch (const sembed::Error&) {
  }
  return 0;
}
