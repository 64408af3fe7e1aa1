// BertPreTokenizer (see bert.hpp): one pass, with an ASCII table for the common case.
#include "tokenizer/pre_tokenizers/bert.hpp"

#include <array>
#include <memory>

#include "tokenizer/stage_json.hpp"
#include "tokenizer/unicode_props.hpp"

namespace sembed::tokenizer {
namespace {

enum Kind : unsigned char { kWord = 0, kSpace = 1, kPunct = 2 };

constexpr std::array<unsigned char, 128> make_ascii_kinds() {
  std::array<unsigned char, 128> k{};
  for (int c = 0; c < 128; ++c) {
    if (c == ' ' || (c >= 0x09 && c <= 0x0D)) {
      k[c] = kSpace;
    } else if ((c >= 0x21 && c <= 0x2F) || (c >= 0x3A && c <= 0x40) || (c >= 0x5B && c <= 0x60) ||
               (c >= 0x7B && c <= 0x7E)) {
      k[c] = kPunct;
    }
  }
  return k;
}
constexpr std::array<unsigned char, 128> kAsciiKinds = make_ascii_kinds();

inline Kind kind_of(char32_t c) {
  if (c < 128) return static_cast<Kind>(kAsciiKinds[c]);
  const uint16_t f = unicode::flags(c);
  if (f & unicode::kWhitespace) return kSpace;
  if (f & unicode::kPunctuation) return kPunct;
  return kWord;
}

}  // namespace

void bert_pre_tokenize(const char32_t* chars, size_t n, std::vector<WordSpan>& words) {
  size_t start = 0;
  bool in_word = false;
  for (size_t i = 0; i < n; ++i) {
    const Kind k = kind_of(chars[i]);
    if (k == kWord) {
      if (!in_word) {
        start = i;
        in_word = true;
      }
      continue;
    }
    if (in_word) {
      words.push_back({start, i});
      in_word = false;
    }
    if (k == kPunct) words.push_back({i, i + 1});
  }
  if (in_word) words.push_back({start, n});
}

void BertPreTokenizer::pre_tokenize(PreTokenized& pt) const {
  thread_local std::vector<WordSpan> words;
  pt.next_splits.clear();
  for (const Split& split : pt.splits) {
    if (split.added_id >= 0) {
      pt.next_splits.push_back(split);
      continue;
    }
    words.clear();
    bert_pre_tokenize(pt.text.chars.data() + split.begin, split.end - split.begin, words);
    for (const WordSpan& w : words) {
      pt.next_splits.push_back({static_cast<uint32_t>(split.begin + w.begin),
                                static_cast<uint32_t>(split.begin + w.end)});
    }
  }
  pt.splits.swap(pt.next_splits);
}

std::unique_ptr<PreTokenizer> build_bert_pre_tokenizer(const json&, const StageContext&) {
  return std::make_unique<BertPreTokenizer>();
}

}  // namespace sembed::tokenizer
