// Strict UTF-8 validation and decoding (see utf8.hpp). The ASCII fast path matters: almost all
// text the tokenizer sees is ASCII, and validation runs on every input.
#include "core/utf8.hpp"

#include <cstring>

namespace sembed::utf8 {
namespace {

// Length of the sequence starting at p[i] if valid, else 0.
inline size_t valid_sequence_length(const unsigned char* p, size_t i, size_t n) {
  const unsigned char b0 = p[i];
  if (b0 < 0x80) return 1;
  auto cont = [&](size_t k) { return i + k < n && (p[i + k] & 0xC0) == 0x80; };
  if (b0 >= 0xC2 && b0 <= 0xDF) return cont(1) ? 2 : 0;
  if (b0 >= 0xE0 && b0 <= 0xEF) {
    if (i + 1 >= n) return 0;
    const unsigned char b1 = p[i + 1];
    // E0 needs A0..BF (no overlong); ED needs 80..9F (no surrogates).
    if (b0 == 0xE0 && b1 < 0xA0) return 0;
    if (b0 == 0xED && b1 > 0x9F) return 0;
    return cont(1) && cont(2) ? 3 : 0;
  }
  if (b0 >= 0xF0 && b0 <= 0xF4) {
    if (i + 1 >= n) return 0;
    const unsigned char b1 = p[i + 1];
    // F0 needs 90..BF (no overlong); F4 needs 80..8F (<= U+10FFFF).
    if (b0 == 0xF0 && b1 < 0x90) return 0;
    if (b0 == 0xF4 && b1 > 0x8F) return 0;
    return cont(1) && cont(2) && cont(3) ? 4 : 0;
  }
  return 0;
}

}  // namespace

std::optional<size_t> find_invalid(std::string_view text) {
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  const size_t n = text.size();
  size_t i = 0;
  while (i < n) {
    // Skip 8 ASCII bytes at a time.
    if (i + 8 <= n) {
      uint64_t w;
      std::memcpy(&w, p + i, 8);
      if ((w & 0x8080808080808080ULL) == 0) {
        i += 8;
        continue;
      }
    }
    const size_t len = valid_sequence_length(p, i, n);
    if (len == 0) return i;
    i += len;
  }
  return std::nullopt;
}

void decode(std::string_view text, std::vector<char32_t>& out) {
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  const size_t n = text.size();
  size_t i = 0;
  while (i < n) {
    const unsigned char b0 = p[i];
    if (b0 < 0x80) {
      out.push_back(b0);
      ++i;
      continue;
    }
    size_t len = b0 >= 0xF0 ? 4 : b0 >= 0xE0 ? 3 : 2;
    if (i + len > n) len = n - i;  // invalid input: stay in bounds
    char32_t cp = len == 4 ? (b0 & 0x07) : len == 3 ? (b0 & 0x0F) : (b0 & 0x1F);
    for (size_t k = 1; k < len; ++k) cp = (cp << 6) | (p[i + k] & 0x3F);
    out.push_back(cp);
    i += len;
  }
}

size_t count_code_points(std::string_view text) {
  size_t count = 0;
  for (unsigned char c : text) count += (c & 0xC0) != 0x80;
  return count;
}

}  // namespace sembed::utf8
