// The text that flows through the tokenizer pipeline, with the bookkeeping that keeps character
// offsets into the original input alive through every stage:
//   NormalizedText  code points plus, for each, the index of the original code point it came
//                   from (Hugging Face's NormalizedString alignments, at code point granularity:
//                   every alignment the reference produces spans exactly one original character).
//   Split           a [begin, end) range of a PreTokenized text that the model will tokenize, or
//                   an added token already recognised (added_id >= 0), which no later stage may
//                   touch — as the reference's PreTokenizedString splits that already carry tokens.
//   PreTokenized    the normalized pieces of one input laid end to end, and its splits.
// Does not: normalize or split anything itself (normalizers/, pre_tokenizers/ do).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace sembed::tokenizer {

struct NormalizedText {
  std::vector<char32_t> chars;
  std::vector<uint32_t> origin;  // origin[i]: original code point index of chars[i]
  void clear() {
    chars.clear();
    origin.clear();
  }
  size_t size() const { return chars.size(); }
  void push(char32_t c, uint32_t o) {
    chars.push_back(c);
    origin.push_back(o);
  }
};

// Thread-local working texts are kept between calls, so the next short text costs no allocation,
// but released after a text longer than this many code points: a server's every HTTP thread
// would otherwise keep the largest text it ever saw (~40 bytes per code point over the stages).
constexpr size_t kKeptWorkingChars = size_t{1} << 16;

// Releases a thread-local working text on scope exit when it grew past kKeptWorkingChars.
struct ReleaseWhenLarge {
  NormalizedText& text;
  ~ReleaseWhenLarge() {
    if (text.chars.capacity() > kKeptWorkingChars) text = NormalizedText{};
  }
};

struct Split {
  uint32_t begin, end;    // [begin, end) in PreTokenized::text
  int32_t added_id = -1;  // >= 0: an added token with this id (kept whole, never re-split)
};

struct PreTokenized {
  NormalizedText text;
  std::vector<Split> splits;
  // Working memory for stages that rebuild the splits or rewrite the text.
  NormalizedText next_text;
  std::vector<Split> next_splits;
  void clear() {
    text.clear();
    splits.clear();
  }
};

}  // namespace sembed::tokenizer
