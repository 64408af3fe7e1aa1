// libFuzzer target for the SentencePiece precompiled_charsmap: the double-array trie reader
// (normalizers/precompiled_charsmap.*) and the Precompiled normalizer's grapheme walk.
// Input: [u16 little-endian n][n bytes: a charsmap][rest: a text].
//   - The n bytes become, base64-encoded, the Precompiled normalizer of a small Unigram
//     tokenizer.json: loading must succeed or throw sembed::Error; when it loads, encoding the
//     text (valid UTF-8 only) must succeed or throw sembed::Error (a map whose trie leads outside
//     itself), never read out of bounds.
//   - The text is also encoded with the real nmt_nfkc map (tests/tokenizer/unigram/xlmr-nmt-nfkc):
//     it must succeed on valid UTF-8, with offsets inside the text and ids inside the vocabulary.
// Run it as fuzz/README.md says.
#include <cstdint>
#include <cstdlib>
#include <sembed/error.hpp>
#include <string>
#include <string_view>

#include "core/utf8.hpp"
#include "encoding_invariants.hpp"
#include "tokenizer/tokenizer.hpp"

using sembed::tokenizer::Encoding;
using sembed::tokenizer::Tokenizer;

namespace {

std::string base64(std::string_view bytes) {
  static const char* kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    const uint32_t v =
        (uint8_t(bytes[i]) << 16) | (uint8_t(bytes[i + 1]) << 8) | uint8_t(bytes[i + 2]);
    for (int k = 3; k >= 0; --k) out.push_back(kAlphabet[(v >> (6 * k)) & 63]);
  }
  if (const size_t left = bytes.size() - i; left > 0) {
    uint32_t v = uint8_t(bytes[i]) << 16;
    if (left == 2) v |= uint8_t(bytes[i + 1]) << 8;
    out.push_back(kAlphabet[(v >> 18) & 63]);
    out.push_back(kAlphabet[(v >> 12) & 63]);
    out.push_back(left == 2 ? kAlphabet[(v >> 6) & 63] : '=');
    out.push_back('=');
  }
  return out;
}

const Tokenizer& xlmr() {
  static const Tokenizer t = Tokenizer::from_model_dir(std::string(SEMBED_SOURCE_DIR) +
                                                       "/tests/tokenizer/unigram/xlmr-nmt-nfkc");
  return t;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  const size_t n = std::min<size_t>(data[0] | (data[1] << 8), size - 2);
  const std::string_view map(reinterpret_cast<const char*>(data + 2), n);
  const std::string_view text(reinterpret_cast<const char*>(data + 2 + n), size - 2 - n);
  const bool valid = !sembed::utf8::find_invalid(text);
  if (valid) {
    const Encoding e = xlmr().encode(text);  // must not throw on valid text
    sembed::fuzz::check_encoding(e, sembed::utf8::count_code_points(text), 0, xlmr().vocab_size(),
                                 false);
  }
  const std::string json =
      R"({"normalizer":{"type":"Precompiled","precompiled_charsmap":")" + base64(map) +
      R"("},"model":{"type":"Unigram","unk_id":0,"vocab":[["<unk>",0.0],["a",-1.0],["\u2581",-2.0]]}})";
  try {
    const Tokenizer t = Tokenizer::from_json_text(json, "fuzz.json");
    if (valid) {
      try {
        sembed::fuzz::check_encoding(t.encode(text), sembed::utf8::count_code_points(text), 0,
                                     t.vocab_size(), false);
      } catch (const sembed::Error&) {
        // a malformed map found during the walk
      }
    }
  } catch (const sembed::Error&) {
  }
  return 0;
}
