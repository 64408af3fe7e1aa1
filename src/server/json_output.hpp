// Fast writers for the large parts of responses: embedding arrays as JSON numbers (shortest text
// that reads back as the same float32) or as base64 of little-endian float32 bytes (OpenAI's
// encoding_format="base64"). nlohmann::json is kept for small objects; building a DOM node per
// float would dominate the response time of a batch.
#pragma once

#include <cstddef>
#include <string>

namespace sembed::server {

// Appends the shortest decimal that round-trips to `v`; NaN and infinities become null (JSON has
// no spelling for them).
void append_float(std::string& out, float v);

// Appends [v0,v1,...].
void append_float_array(std::string& out, const float* v, size_t n);

// Appends "<base64 of the n floats' little-endian bytes>" including the quotes.
void append_base64_floats(std::string& out, const float* v, size_t n);

// Standard base64 (RFC 4648, with padding) of bytes.
std::string base64_encode(const unsigned char* data, size_t n);

// Appends a JSON string literal (quoted, escaped; invalid UTF-8 replaced by U+FFFD).
void append_json_string(std::string& out, const std::string& s);

}  // namespace sembed::server
