// dtype names, sizes and the exact f16/bf16 -> f32 conversions.
#include "loader/dtype.hpp"

#include <bit>
#include <cstring>

namespace sembed::loader {

namespace {
struct DTypeInfo {
  DType dtype;
  std::string_view name;
  size_t size;
  bool floating;
};
constexpr DTypeInfo kTypes[] = {
    {DType::F64, "F64", 8, true},    {DType::F32, "F32", 4, true},  {DType::F16, "F16", 2, true},
    {DType::BF16, "BF16", 2, true},  {DType::I64, "I64", 8, false}, {DType::I32, "I32", 4, false},
    {DType::I16, "I16", 2, false},   {DType::I8, "I8", 1, false},   {DType::U8, "U8", 1, false},
    {DType::Bool, "BOOL", 1, false},
};
const DTypeInfo& info(DType d) {
  for (const auto& t : kTypes)
    if (t.dtype == d) return t;
  return kTypes[1];
}

uint16_t load_u16(const uint8_t* p) { return static_cast<uint16_t>(p[0] | (p[1] << 8)); }

// IEEE binary16 -> binary32, bit exact, subnormals and NaN payloads included.
float half_to_float(uint16_t h) {
  const uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16;
  uint32_t exp = (h >> 10) & 0x1fu;
  uint32_t mant = h & 0x3ffu;
  uint32_t bits;
  if (exp == 0x1f) {
    bits = sign | 0x7f800000u | (mant << 13);
  } else if (exp != 0) {
    bits = sign | ((exp + 112u) << 23) | (mant << 13);
  } else if (mant == 0) {
    bits = sign;
  } else {
    // Subnormal half: normalise the mantissa.
    int e = -1;
    do {
      ++e;
      mant <<= 1;
    } while ((mant & 0x400u) == 0);
    bits = sign | ((112u - static_cast<uint32_t>(e)) << 23) | ((mant & 0x3ffu) << 13);
  }
  return std::bit_cast<float>(bits);
}
}  // namespace

std::optional<DType> parse_safetensors_dtype(std::string_view name) {
  for (const auto& t : kTypes)
    if (t.name == name) return t.dtype;
  return std::nullopt;
}
std::string_view dtype_name(DType dtype) { return info(dtype).name; }
size_t dtype_size(DType dtype) { return info(dtype).size; }
bool is_floating(DType dtype) { return info(dtype).floating; }

void convert_to_f32(DType dtype, const uint8_t* src, size_t n, float* dst) {
  switch (dtype) {
    case DType::F32:
      std::memcpy(dst, src, n * 4);
      return;
    case DType::F16:
      for (size_t i = 0; i < n; ++i) dst[i] = half_to_float(load_u16(src + 2 * i));
      return;
    case DType::BF16:
      for (size_t i = 0; i < n; ++i)
        dst[i] = std::bit_cast<float>(static_cast<uint32_t>(load_u16(src + 2 * i)) << 16);
      return;
    case DType::F64:
      for (size_t i = 0; i < n; ++i) {
        double d;
        std::memcpy(&d, src + 8 * i, 8);
        dst[i] = static_cast<float>(d);
      }
      return;
    default:
      return;  // callers only pass floating dtypes
  }
}

std::optional<size_t> checked_numel(const std::vector<int64_t>& shape, size_t max_elements) {
  size_t n = 1;
  bool zero = false;
  for (int64_t d : shape) {
    if (d < 0) return std::nullopt;
    if (d == 0) zero = true;
  }
  if (zero) return 0;
  for (int64_t d : shape) {
    const auto ud = static_cast<size_t>(d);
    if (ud > max_elements || n > max_elements / ud) return std::nullopt;
    n *= ud;
  }
  return n;
}

std::string shape_string(const std::vector<int64_t>& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i) s += ", ";
    s += std::to_string(shape[i]);
  }
  return s + "]";
}

}  // namespace sembed::loader
