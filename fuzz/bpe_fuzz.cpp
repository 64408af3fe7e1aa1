// libFuzzer target for the byte-level BPE half, over arbitrary bytes. The first byte picks:
//   0-127:   encode the rest with one of the committed BPE test tokenizers (tests/tokenizer/bpe,
//            chosen by byte % 5), as one text or as a pair split at the first 0x00 byte
//            (bit 5); then decode the ids, with and without special tokens.
//   128-191: a Split pre-tokenizer: the rest up to the first 0x00 is a regex (bit 0: a literal
//            string instead), the part after it the text; behaviour (byte >> 1) % 5, inverted
//            when bit 4 is set. Bad regexes must be sembed::Error.
//   192-255: the rest is a tokenizer.json (seed the corpus with small BPE files): it must load
//            or fail with sembed::Error, and a loaded one must encode and decode a fixed text.
// Invariants on every encoding: equal field lengths, offsets inside the text's code points with
// start <= end, ids inside the vocabulary. Invalid UTF-8 must raise sembed::Error.
// Run it as fuzz/README.md says.
#include <cstdint>
#include <cstdlib>
#include <sembed/error.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "core/utf8.hpp"
#include "tokenizer/normalized_text.hpp"
#include "tokenizer/pre_tokenizers/split_pre_tokenizer.hpp"
#include "tokenizer/tokenizer.hpp"

using sembed::tokenizer::Encoding;
using sembed::tokenizer::Tokenizer;

namespace {

std::string source_dir() { return SEMBED_SOURCE_DIR; }  // set by fuzz/CMakeLists.txt

const Tokenizer& test_tokenizer(int which) {
  static const char* kNames[] = {"roberta", "roberta-prefix", "whitespace-suffix", "prefix-fuse",
                                 "byte-fallback"};
  static std::vector<Tokenizer> all = [] {
    std::vector<Tokenizer> v;
    for (const char* name : kNames) {
      v.push_back(Tokenizer::from_model_dir(source_dir() + "/tests/tokenizer/bpe/" + name));
    }
    return v;
  }();
  return all[static_cast<size_t>(which)];
}

// vocab 0: ids unchecked (a tokenizer.json's post-processor may name any id, as the reference
// allows; found by this target, run 1).
void check(const Encoding& e, size_t chars_a, size_t chars_b, size_t vocab) {
  const size_t n = e.ids.size();
  if (e.type_ids.size() != n || e.tokens.size() != n || e.offsets.size() != n ||
      e.attention_mask.size() != n) {
    std::abort();
  }
  for (size_t i = 0; i < n; ++i) {
    if (e.ids[i] < 0 || (vocab > 0 && static_cast<size_t>(e.ids[i]) >= vocab)) std::abort();
    const auto [s, t] = e.offsets[i];
    if (s > t || t > std::max(chars_a, chars_b)) std::abort();
  }
}

void encode_with(const Tokenizer& tok, std::string_view rest, bool pair) {
  const bool valid = !sembed::utf8::find_invalid(rest);
  try {
    Encoding e;
    size_t ca = 0, cb = 0;
    if (pair) {
      const size_t nul = rest.find('\0');
      const std::string_view a = rest.substr(0, nul);
      const std::string_view b = nul == std::string_view::npos ? "" : rest.substr(nul + 1);
      e = tok.encode_pair(a, b);
      ca = sembed::utf8::count_code_points(a);
      cb = sembed::utf8::count_code_points(b);
    } else {
      e = tok.encode(rest);
      ca = sembed::utf8::count_code_points(rest);
    }
    if (!valid) std::abort();  // invalid UTF-8 accepted
    check(e, ca, cb, tok.vocab_size());
    const std::string d1 = tok.decode(e.ids, true), d2 = tok.decode(e.ids, false);
    if (sembed::utf8::find_invalid(d1) || sembed::utf8::find_invalid(d2)) std::abort();
  } catch (const sembed::Error&) {
    if (valid) std::abort();  // valid UTF-8 refused
  }
}

void split_with(uint8_t mode, std::string_view rest) {
  using namespace sembed::tokenizer;
  const size_t nul = rest.find('\0');
  const std::string pattern(rest.substr(0, nul));
  const std::string_view text = nul == std::string_view::npos ? "" : rest.substr(nul + 1);
  if (sembed::utf8::find_invalid(pattern) || sembed::utf8::find_invalid(text)) return;
  static const SplitBehavior kBehaviors[] = {
      SplitBehavior::Removed, SplitBehavior::Isolated, SplitBehavior::MergedWithPrevious,
      SplitBehavior::MergedWithNext, SplitBehavior::Contiguous};
  try {
    const SplitPreTokenizer split(pattern, (mode & 1) == 0, kBehaviors[(mode >> 1) % 5],
                                  (mode & 16) != 0, "fuzz");
    PreTokenized pt;
    std::vector<char32_t> cps;
    sembed::utf8::decode(text, cps);
    for (size_t i = 0; i < cps.size(); ++i) pt.text.push(cps[i], static_cast<uint32_t>(i));
    if (!cps.empty()) pt.splits.push_back({0, static_cast<uint32_t>(cps.size()), -1});
    split.pre_tokenize(pt);
    uint32_t last = 0;
    for (const Split& s : pt.splits) {
      if (s.begin < last || s.end <= s.begin || s.end > cps.size()) std::abort();
      last = s.end;
    }
  } catch (const sembed::Error&) {
    // A pattern Oniguruma refuses.
  }
}

void load_json(std::string_view rest) {
  try {
    const Tokenizer tok = Tokenizer::from_json_text(rest, "fuzz.json");
    const std::string text = "Hello wörld, it's 2024! \xF0\x9F\x98\x80 <s>x</s>";
    const Encoding e = tok.encode(text);
    check(e, sembed::utf8::count_code_points(text), 0, 0);
    tok.decode(e.ids, true);
  } catch (const sembed::Error&) {
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const uint8_t mode = data[0];
  const std::string_view rest(reinterpret_cast<const char*>(data + 1), size - 1);
  if (mode < 128) {
    encode_with(test_tokenizer(mode % 5), rest, (mode & 32) != 0);
  } else if (mode < 192) {
    split_with(mode, rest);
  } else {
    load_json(rest);
  }
  return 0;
}
