// libFuzzer target for the tokenizer, over arbitrary bytes.
// The first byte picks what to do with the rest:
//   bit 7 set: parse the rest as a tokenizer.json (must fail cleanly or give a tokenizer that
//              can encode a fixed sentence);
//   else: encode the rest with all-MiniLM-L6-v2 (or the vocab.txt model when bit 6 is set) as
//         one text, or as a pair split at the first 0x00 byte (bit 5), truncating to
//         (first byte & 31) tokens when that is non-zero.
// Invariants checked on every encoding: equal field lengths, offsets inside the text's code
// points with start <= end, ids inside the vocabulary. Invalid UTF-8 must raise sembed::Error.
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

const Tokenizer& minilm() {
  static const Tokenizer t =
      Tokenizer::from_model_dir(std::string(SEMBED_TEST_DATA) + "/all-MiniLM-L6-v2");
  return t;
}
const Tokenizer& nli() {
  static const Tokenizer t =
      Tokenizer::from_model_dir(std::string(SEMBED_TEST_DATA) + "/bert-base-nli-mean-tokens");
  return t;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const uint8_t mode = data[0];
  const std::string_view rest(reinterpret_cast<const char*>(data + 1), size - 1);
  if (mode & 0x80) {
    try {
      const Tokenizer t = Tokenizer::from_json_text(rest, "fuzz.json");
      (void)t.encode("A man is playing a guitar. [SEP] naïve 東京");
    } catch (const sembed::Error&) {
    }
    return 0;
  }
  const Tokenizer& tok = (mode & 0x40) ? nli() : minilm();
  sembed::fuzz::encode_and_check(tok, mode, rest, /*type_id_names_text=*/true);  // BERT pairs
  return 0;
}
