// Parser of the safetensors format: an 8-byte little-endian header length, a JSON header naming
// each tensor's dtype, shape and [begin, end) byte range, then the data. Works on bytes already
// in memory (a memory map) and returns views into them; it copies nothing and converts nothing.
// Every length, offset and shape is checked against the buffer before use, so a hostile file
// gives a sembed::Error and never a read outside the buffer.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "loader/dtype.hpp"

namespace sembed::loader {

// label names the file in error messages. The returned tensors point into data.
std::vector<RawTensor> parse_safetensors(const uint8_t* data, size_t size,
                                         const std::string& label);

}  // namespace sembed::loader
