// UTF-8 helpers shared by the tokenizer, the CLI and the server: strict validation (the
// position of the first bad byte, so errors can name it), decoding to code points, encoding.
// Strict means RFC 3629: no overlong forms, no surrogates (U+D800..U+DFFF), nothing above
// U+10FFFF. Nothing here ever replaces bad input with U+FFFD: callers refuse it instead.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sembed::utf8 {

// Byte offset of the first byte that does not start (or continue) a valid sequence;
// nullopt when the whole text is valid UTF-8.
std::optional<size_t> find_invalid(std::string_view text);

// Decodes valid UTF-8 into code points, appending to `out`. Precondition: find_invalid() is
// nullopt (checked by the callers that take user input); on invalid input the result is
// unspecified but memory-safe.
void decode(std::string_view text, std::vector<char32_t>& out);

// Appends the UTF-8 form of `cp` (must be a Unicode scalar value) to `out`.
inline void append(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

// Number of code points in valid UTF-8 (counts bytes that are not continuation bytes).
size_t count_code_points(std::string_view text);

}  // namespace sembed::utf8
