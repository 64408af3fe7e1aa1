// Element types found in weight files (safetensors dtype strings, torch storage types) and the
// conversion of floating types to float32. Does not know file formats.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sembed::loader {

enum class DType { F64, F32, F16, BF16, I64, I32, I16, I8, U8, Bool };

std::optional<DType> parse_safetensors_dtype(std::string_view name);  // "F32", "BF16", ...
std::string_view dtype_name(DType dtype);                             // the safetensors spelling
size_t dtype_size(DType dtype);
bool is_floating(DType dtype);

// Converts n elements of a floating dtype to float32. src need not be aligned.
// F16 and BF16 convert exactly (every value is representable); F64 rounds to nearest.
void convert_to_f32(DType dtype, const uint8_t* src, size_t n, float* dst);

// One tensor as found in a weight file, before conversion: points into the file's bytes.
// Elements are at data + (sum_i index_i * strides[i]) * dtype_size; strides are in elements.
// safetensors tensors are always contiguous; torch tensors may be views into a larger storage.
struct RawTensor {
  std::string name;
  DType dtype = DType::F32;
  std::vector<int64_t> shape;
  std::vector<int64_t> strides;  // empty means contiguous row-major
  const uint8_t* data = nullptr;
  size_t numel = 0;
};

// Product of dims, or nullopt when a dim is negative or the product overflows max_elements.
std::optional<size_t> checked_numel(const std::vector<int64_t>& shape, size_t max_elements);

std::string shape_string(const std::vector<int64_t>& shape);  // "[30522, 384]"

}  // namespace sembed::loader
