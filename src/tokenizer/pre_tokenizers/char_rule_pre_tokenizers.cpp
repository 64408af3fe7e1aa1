// Whitespace, WhitespaceSplit, Punctuation, Digits (see char_rule_pre_tokenizers.hpp).
#include "tokenizer/pre_tokenizers/char_rule_pre_tokenizers.hpp"

#include <memory>

#include "tokenizer/pre_tokenizers/char_classes.hpp"
#include "tokenizer/stage_json.hpp"
#include "tokenizer/unicode_props.hpp"

namespace sembed::tokenizer {
namespace {

// Runs the per-character pattern `pred` over every piece with `behavior`.
template <typename Pred>
void split_each(PreTokenized& pt, SplitBehavior behavior, Pred pred) {
  thread_local std::vector<SplitEvent> events;
  pt.next_splits.clear();
  for (const Split& split : pt.splits) {
    if (split.added_id >= 0) {
      pt.next_splits.push_back(split);
      continue;
    }
    char_pattern_events(pt.text.chars.data() + split.begin, split.end - split.begin, pred, events);
    apply_split_behavior(events, behavior, split.begin, pt.next_splits);
  }
  pt.splits.swap(pt.next_splits);
}

enum WordKind { kWordChar, kSpaceChar, kOtherChar };

inline WordKind word_kind(char32_t c) {
  if (c < 128) {
    if ((c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') || c == '_')
      return kWordChar;
    if (c == ' ' || (c >= 0x09 && c <= 0x0D)) return kSpaceChar;
    return kOtherChar;
  }
  const uint8_t b = char_class::of(c);
  if (b & char_class::kWsWord) return kWordChar;
  if (b & char_class::kWsSpace) return kSpaceChar;
  return kOtherChar;
}

}  // namespace

void WhitespacePreTokenizer::pre_tokenize(PreTokenized& pt) const {
  pt.next_splits.clear();
  const char32_t* chars = pt.text.chars.data();
  for (const Split& split : pt.splits) {
    if (split.added_id >= 0) {
      pt.next_splits.push_back(split);
      continue;
    }
    uint32_t i = split.begin;
    while (i < split.end) {
      const WordKind k = word_kind(chars[i]);
      uint32_t e = i + 1;
      while (e < split.end && word_kind(chars[e]) == k) ++e;
      if (k != kSpaceChar) pt.next_splits.push_back({i, e, -1});
      i = e;
    }
  }
  pt.splits.swap(pt.next_splits);
}

void WhitespaceSplitPreTokenizer::pre_tokenize(PreTokenized& pt) const {
  split_each(pt, SplitBehavior::Removed,
             [](char32_t c) { return (unicode::flags(c) & unicode::kWhitespace) != 0; });
}

void PunctuationPreTokenizer::pre_tokenize(PreTokenized& pt) const {
  split_each(pt, behavior_,
             [](char32_t c) { return (unicode::flags(c) & unicode::kPunctuation) != 0; });
}

void DigitsPreTokenizer::pre_tokenize(PreTokenized& pt) const {
  split_each(pt, individual_ ? SplitBehavior::Isolated : SplitBehavior::Contiguous,
             [](char32_t c) { return (char_class::of(c) & char_class::kNumeric) != 0; });
}

}  // namespace sembed::tokenizer

namespace sembed::tokenizer {

std::unique_ptr<PreTokenizer> build_whitespace_pre_tokenizer(const json&, const StageContext&) {
  return std::make_unique<WhitespacePreTokenizer>();
}

std::unique_ptr<PreTokenizer> build_whitespace_split_pre_tokenizer(const json&,
                                                                   const StageContext&) {
  return std::make_unique<WhitespaceSplitPreTokenizer>();
}

// {"type": "Punctuation", "behavior": "Isolated"}
std::unique_ptr<PreTokenizer> build_punctuation_pre_tokenizer(const json& block,
                                                              const StageContext& ctx) {
  const std::string behavior = ctx.get_string(block, "behavior", "Isolated");
  return std::make_unique<PunctuationPreTokenizer>(
      parse_split_behavior(behavior, ctx.origin + ": " + ctx.path + ".behavior"));
}

// {"type": "Digits", "individual_digits": false}
std::unique_ptr<PreTokenizer> build_digits_pre_tokenizer(const json& block,
                                                         const StageContext& ctx) {
  return std::make_unique<DigitsPreTokenizer>(ctx.get_bool(block, "individual_digits", false));
}

}  // namespace sembed::tokenizer
