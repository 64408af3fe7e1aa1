// pytorch_model.bin (torch.save's zip format) -> tensors, without executing anything: the zip is
// read by zip_reader.hpp, data.pkl by the restricted unpickler (unpickler.hpp), and each tensor
// becomes a view into its storage entry (archive/data/<key>) of the memory-mapped file.
// The legacy non-zip torch format (before torch 1.6) is refused with an "unsupported" error.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "loader/dtype.hpp"

namespace sembed::loader {

// label names the file in error messages. The returned tensors point into data.
std::vector<RawTensor> parse_torch_bin(const uint8_t* data, size_t size, const std::string& label);

}  // namespace sembed::loader
