// ByteLevel decoder: every token whose characters all belong to GPT-2's byte-to-unicode table
// becomes those bytes (any other token its own UTF-8 bytes); the bytes of all tokens are one
// text, read as UTF-8 with ill-formed sequences replaced by U+FFFD (Rust's from_utf8_lossy).
// Also utf8_lossy itself.
#include "tokenizer/pre_tokenizers/byte_level.hpp"

#include "core/utf8.hpp"
#include "tokenizer/decoders/decoder.hpp"

namespace sembed::tokenizer {

std::string utf8_lossy(const std::string& bytes) {
  static const char kReplacement[] = "\xEF\xBF\xBD";
  std::string out;
  out.reserve(bytes.size());
  const size_t n = bytes.size();
  size_t i = 0;
  auto at = [&](size_t k) { return static_cast<unsigned char>(bytes[k]); };
  while (i < n) {
    const unsigned char c = at(i);
    if (c < 0x80) {
      out.push_back(static_cast<char>(c));
      ++i;
      continue;
    }
    // Expected length and the valid range of the second byte (Unicode Table 3-7).
    size_t len = 0;
    unsigned char lo = 0x80, hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) {
      len = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
      len = 3;
      if (c == 0xE0) lo = 0xA0;
      if (c == 0xED) hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4;
      if (c == 0xF0) lo = 0x90;
      if (c == 0xF4) hi = 0x8F;
    }
    if (len == 0) {
      out += kReplacement;
      ++i;
      continue;
    }
    // The maximal prefix of a valid sequence: replaced by one U+FFFD when incomplete.
    size_t k = 1;
    while (k < len && i + k < n) {
      const unsigned char b = at(i + k);
      const bool ok = k == 1 ? (b >= lo && b <= hi) : (b >= 0x80 && b <= 0xBF);
      if (!ok) break;
      ++k;
    }
    if (k == len) {
      out.append(bytes, i, len);
    } else {
      out += kReplacement;
    }
    i += k;
  }
  return out;
}

namespace {

class ByteLevelDecoder final : public Decoder {
 public:
  void decode_chain(std::vector<std::string>& tokens) const override {
    std::string bytes;
    std::vector<char32_t> chars;
    for (const std::string& t : tokens) {
      chars.clear();
      utf8::decode(t, chars);
      const size_t mark = bytes.size();
      bool all = true;
      for (char32_t c : chars) {
        const int b = unicode_to_byte(c);
        if (b < 0) {
          all = false;
          break;
        }
        bytes.push_back(static_cast<char>(b));
      }
      if (!all) {
        bytes.resize(mark);
        bytes += t;
      }
    }
    tokens.assign(1, utf8_lossy(bytes));
  }
};

}  // namespace

std::unique_ptr<Decoder> build_byte_level_decoder(const json&, const StageContext&) {
  return std::make_unique<ByteLevelDecoder>();
}

}  // namespace sembed::tokenizer
