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

void check(const Encoding& e, size_t len_a, size_t len_b, size_t vocab_bound) {
  const size_t n = e.ids.size();
  if (e.type_ids.size() != n || e.tokens.size() != n || e.offsets.size() != n ||
      e.attention_mask.size() != n) {
    std::abort();
  }
  for (size_t i = 0; i < n; ++i) {
    const auto [s, t] = e.offsets[i];
    // Each token's offsets lie inside its own text: type id 0 is text A, 1 is text B (BERT's
    // pair template), not merely inside the longer of the two.
    const size_t own_length = e.type_ids[i] == 0 ? len_a : len_b;
    if (e.type_ids[i] < 0 || e.type_ids[i] > 1 || s > t || t > own_length) std::abort();
    if (e.ids[i] < 0 || static_cast<size_t>(e.ids[i]) >= vocab_bound) std::abort();
  }
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
  EncodeOptions options;
  if (mode & 31) options.max_length = mode & 31;
  const bool pair = mode & 0x20;
  std::string_view a = rest, b;
  if (pair) {
    const size_t cut = rest.find('\0');
    if (cut != std::string_view::npos) {
      a = rest.substr(0, cut);
      b = rest.substr(cut + 1);
    }
  }
  const bool valid = !sembed::utf8::find_invalid(a) && !sembed::utf8::find_invalid(b);
  try {
    const Encoding e = pair ? tok.encode_pair(a, b, options) : tok.encode(a, options);
    if (!valid) std::abort();  // invalid UTF-8 must be refused
    check(e, sembed::utf8::count_code_points(a), sembed::utf8::count_code_points(b),
          tok.vocab_size());
  } catch (const sembed::Error&) {
    if (valid) std::abort();  // valid text must never fail
  }
  return 0;
}
