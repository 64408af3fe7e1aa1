// libFuzzer target for the Unigram model: loading and encoding.
// The first byte picks what to do with the rest:
//   bit 7 set: the rest is a tokenizer.json (typically a Unigram model block with its vocab,
//              unk_id, byte_fallback): loading must succeed or throw sembed::Error, and a loaded
//              tokenizer must encode a fixed sentence or throw sembed::Error (no unk_id);
//   else: the rest is a text encoded by the trained test tokenizers (bit 6: the byte_fallback one,
//         else nmt_nfkc), as one text or a pair split at the first NUL (bit 5), truncated to
//         (first byte & 31) tokens when non-zero. Valid UTF-8 must encode, invalid must throw;
//         field lengths equal, offsets inside the text, ids inside the vocabulary.
// Run it as fuzz/README.md says.
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <sembed/error.hpp>
#include <string>
#include <string_view>

#include "core/utf8.hpp"
#include "encoding_invariants.hpp"
#include "tokenizer/tokenizer.hpp"

using sembed::tokenizer::EncodeOptions;
using sembed::tokenizer::Encoding;
using sembed::tokenizer::Tokenizer;

namespace {

const Tokenizer& load(const char* name) {
  return *new Tokenizer(Tokenizer::from_model_dir(std::string(SEMBED_SOURCE_DIR) +
                                                  "/tests/tokenizer/unigram/" + name));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  static const Tokenizer& nmt = load("xlmr-nmt-nfkc");
  static const Tokenizer& bytes = load("xlmr-byte-fallback");
  const uint8_t mode = data[0];
  const std::string_view rest(reinterpret_cast<const char*>(data + 1), size - 1);
  if (mode & 0x80) {
    try {
      const Tokenizer t = Tokenizer::from_json_text(rest, "fuzz.json");
      const Encoding e = t.encode("A man is playing a guitar. </s> naïve 東京 <mask>");
      sembed::fuzz::check_encoding(e, 48, 0, t.vocab_size(), false);
    } catch (const sembed::Error&) {
    }
    return 0;
  }
  const Tokenizer& tok = (mode & 0x40) ? bytes : nmt;
  sembed::fuzz::encode_and_check(tok, mode, rest);
  return 0;
}
