// Response writers. std::to_chars(float) gives the shortest round-trip text, so a client parsing
// the JSON as float64 and casting to float32 recovers the server's exact value.
#include "server/json_output.hpp"

#include <nlohmann/json.hpp>

#include <bit>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>

namespace sembed::server {

void append_float(std::string& out, float v) {
  if (!std::isfinite(v)) {
    out += "null";
    return;
  }
  char buf[32];
  auto res = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, res.ptr);
}

void append_float_array(std::string& out, const float* v, size_t n) {
  out += '[';
  for (size_t i = 0; i < n; ++i) {
    if (i) out += ',';
    append_float(out, v[i]);
  }
  out += ']';
}

std::string base64_encode(const unsigned char* data, size_t n) {
  static const char* kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((n + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 3 <= n; i += 3) {
    const uint32_t w = (uint32_t{data[i]} << 16) | (uint32_t{data[i + 1]} << 8) | data[i + 2];
    out += kAlphabet[(w >> 18) & 63];
    out += kAlphabet[(w >> 12) & 63];
    out += kAlphabet[(w >> 6) & 63];
    out += kAlphabet[w & 63];
  }
  if (i < n) {
    uint32_t w = uint32_t{data[i]} << 16;
    if (i + 1 < n) w |= uint32_t{data[i + 1]} << 8;
    out += kAlphabet[(w >> 18) & 63];
    out += kAlphabet[(w >> 12) & 63];
    out += i + 1 < n ? kAlphabet[(w >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

void append_base64_floats(std::string& out, const float* v, size_t n) {
  static_assert(std::endian::native == std::endian::little,
                "base64 embeddings are little-endian float32; add a byte swap for this target");
  out += '"';
  out += base64_encode(reinterpret_cast<const unsigned char*>(v), n * sizeof(float));
  out += '"';
}

void append_json_string(std::string& out, const std::string& s) {
  out += nlohmann::json(s).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace sembed::server
