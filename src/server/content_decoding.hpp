// Request bodies sent with `Content-Encoding: gzip` or `deflate`: inflated with zlib, counting the
// decoded bytes, and refused (BodyTooLarge) the moment they cross the limit — a 20 KB gzip bomb
// costs at most `limit` bytes, never its full inflated size. Other encodings are refused with
// UnsupportedEncoding; `identity` (or none) passes the body through.
#pragma once

#include <cstddef>
#include <stdexcept>
#include <string>

namespace sembed::server {

struct BodyTooLarge : std::runtime_error {
  using std::runtime_error::runtime_error;
};
struct UnsupportedEncoding : std::runtime_error {
  using std::runtime_error::runtime_error;
};
struct CorruptEncoding : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Decodes `body` in place according to the Content-Encoding header value `encoding` (a
// comma-separated list, applied in order, as RFC 9110 says; at most 2 layers).
void decode_content(std::string& body, const std::string& encoding, size_t limit);

}  // namespace sembed::server
