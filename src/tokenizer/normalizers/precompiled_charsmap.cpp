// PrecompiledCharsmap (see precompiled_charsmap.hpp).
#include "tokenizer/normalizers/precompiled_charsmap.hpp"

#include <sembed/error.hpp>

#include "core/utf8.hpp"

namespace sembed::tokenizer {
namespace {

// Darts-clone unit fields.
inline bool has_leaf(uint32_t u) { return ((u >> 8) & 1) == 1; }
inline uint32_t value(uint32_t u) { return u & ((1u << 31) - 1); }
inline uint32_t label(uint32_t u) { return u & ((1u << 31) | 0xFF); }
inline uint32_t offset(uint32_t u) { return (u >> 10) << ((u & (1u << 9)) >> 6); }

[[noreturn]] void out_of_map() {
  throw Error("precompiled_charsmap is malformed: its trie leads outside the map");
}

}  // namespace

PrecompiledCharsmap::PrecompiledCharsmap(std::string_view bytes) {
  if (bytes.size() < 4) throw Error("precompiled_charsmap is shorter than its 4-byte header");
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
  const uint32_t trie_size = p[0] | (p[1] << 8) | (p[2] << 16) | (uint32_t{p[3]} << 24);
  const size_t units = trie_size / 4;
  if (units > (bytes.size() - 4) / 4) {
    throw Error("precompiled_charsmap declares a trie of " + std::to_string(trie_size) +
                " bytes but holds only " + std::to_string(bytes.size() - 4));
  }
  if (units == 0) throw Error("precompiled_charsmap has an empty trie");
  array_.resize(units);
  for (size_t i = 0; i < units; ++i) {
    const unsigned char* q = p + 4 + 4 * i;
    array_[i] = q[0] | (q[1] << 8) | (q[2] << 16) | (uint32_t{q[3]} << 24);
  }
  normalized_ = std::string(bytes.substr(4 + 4 * units));
  if (utf8::find_invalid(normalized_)) {
    throw Error("precompiled_charsmap's replacement strings are not valid UTF-8");
  }
  for (int c = 0; c < 128; ++c) {
    const char ch = static_cast<char>(c);
    ascii_[c] = transform(std::string_view(&ch, 1));
  }
}

std::optional<std::string_view> PrecompiledCharsmap::transform(std::string_view chunk) const {
  const size_t size = array_.size();
  size_t node = offset(array_[0]);
  for (char ch : chunk) {
    const unsigned char c = static_cast<unsigned char>(ch);
    if (c == 0) break;
    node ^= c;
    if (node >= size) out_of_map();
    const uint32_t unit = array_[node];
    if (label(unit) != c) return std::nullopt;
    node ^= offset(unit);
    if (node >= size) out_of_map();
    if (has_leaf(unit)) {
      // The first (shortest) match is the answer.
      const size_t index = value(array_[node]);
      if (index > normalized_.size() ||
          (index < normalized_.size() &&
           (static_cast<unsigned char>(normalized_[index]) & 0xC0) == 0x80)) {
        throw Error("precompiled_charsmap is malformed: a replacement starts at byte " +
                    std::to_string(index) + ", outside its strings");
      }
      size_t end = index;
      while (end < normalized_.size() && normalized_[end] != '\0') ++end;
      return std::string_view(normalized_).substr(index, end - index);
    }
  }
  return std::nullopt;
}

std::optional<std::string> decode_base64(std::string_view text) {
  auto sextet = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
  };
  if (text.size() % 4 != 0) return std::nullopt;
  std::string out;
  out.reserve(text.size() / 4 * 3);
  for (size_t i = 0; i < text.size(); i += 4) {
    const bool last = i + 4 == text.size();
    int v[4];
    int pad = 0;
    for (int k = 0; k < 4; ++k) {
      const char c = text[i + k];
      if (c == '=' && last && k >= 2) {
        v[k] = 0;
        ++pad;
        continue;
      }
      if (pad > 0) return std::nullopt;  // data after padding
      v[k] = sextet(c);
      if (v[k] < 0) return std::nullopt;
    }
    const uint32_t bits =
        (uint32_t(v[0]) << 18) | (uint32_t(v[1]) << 12) | (uint32_t(v[2]) << 6) | uint32_t(v[3]);
    // Canonical encoding: the bits below the last byte must be zero.
    if ((pad == 1 && (bits & 0xFF) != 0) || (pad == 2 && (bits & 0xFFFF) != 0)) return std::nullopt;
    out.push_back(static_cast<char>(bits >> 16));
    if (pad < 2) out.push_back(static_cast<char>((bits >> 8) & 0xFF));
    if (pad < 1) out.push_back(static_cast<char>(bits & 0xFF));
  }
  return out;
}

}  // namespace sembed::tokenizer
