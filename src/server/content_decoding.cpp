// zlib inflation of request bodies with a decoded-size limit (see content_decoding.hpp).
#include "server/content_decoding.hpp"

#include <zlib.h>

#include <algorithm>
#include <vector>

namespace sembed::server {
namespace {

std::string trim_lower(const std::string& s) {
  size_t b = 0, e = s.size();
  while (b < e && (s[b] == ' ' || s[b] == '\t')) ++b;
  while (e > b && (s[e - 1] == ' ' || s[e - 1] == '\t')) --e;
  std::string out = s.substr(b, e - b);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// window_bits: 15 + 32 detects a gzip or zlib header; -15 is a raw deflate stream.
bool inflate_with_limit(const std::string& in, int window_bits, size_t limit, std::string& out) {
  z_stream zs{};
  if (inflateInit2(&zs, window_bits) != Z_OK) throw CorruptEncoding("zlib initialisation failed");
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uInt>(in.size());
  out.clear();
  char chunk[64 * 1024];
  int rc = Z_OK;
  while (rc != Z_STREAM_END) {
    zs.next_out = reinterpret_cast<Bytef*>(chunk);
    zs.avail_out = sizeof chunk;
    rc = inflate(&zs, Z_NO_FLUSH);
    if (rc != Z_OK && rc != Z_STREAM_END) {
      inflateEnd(&zs);
      return false;
    }
    const size_t produced = sizeof chunk - zs.avail_out;
    if (out.size() + produced > limit) {
      inflateEnd(&zs);
      throw BodyTooLarge("decoded request body is larger than this server's limit of " +
                         std::to_string(limit) + " bytes");
    }
    out.append(chunk, produced);
    if (rc != Z_STREAM_END && zs.avail_in == 0 && produced == 0) {
      inflateEnd(&zs);
      return false;  // truncated stream
    }
  }
  inflateEnd(&zs);
  return true;
}

}  // namespace

void decode_content(std::string& body, const std::string& encoding, size_t limit) {
  std::vector<std::string> layers;
  size_t start = 0;
  while (start <= encoding.size()) {
    size_t comma = encoding.find(',', start);
    if (comma == std::string::npos) comma = encoding.size();
    std::string layer = trim_lower(encoding.substr(start, comma - start));
    if (!layer.empty() && layer != "identity") layers.push_back(std::move(layer));
    start = comma + 1;
  }
  if (layers.size() > 2) {
    throw UnsupportedEncoding("more than 2 Content-Encoding layers are not accepted");
  }
  // The sender applied the encodings in the listed order; undo them from the last.
  for (auto it = layers.rbegin(); it != layers.rend(); ++it) {
    if (*it != "gzip" && *it != "x-gzip" && *it != "deflate") {
      throw UnsupportedEncoding("Content-Encoding `" + it->substr(0, 40) +
                                "` is not supported (gzip, deflate, identity are)");
    }
    std::string out;
    bool ok = inflate_with_limit(body, 15 + 32, limit, out);
    // "deflate" is meant to be zlib-wrapped; some clients send a raw deflate stream.
    if (!ok && *it == "deflate") ok = inflate_with_limit(body, -15, limit, out);
    if (!ok) throw CorruptEncoding("request body is not valid " + *it + " data");
    body = std::move(out);
  }
}

}  // namespace sembed::server
