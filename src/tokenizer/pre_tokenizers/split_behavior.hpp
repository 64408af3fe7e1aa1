// SplitBehavior and apply_split_behavior: tokenizers' SplitDelimiterBehavior, the shared rule by
// which the (range, is_match) events of a pattern over one split become new splits; and the
// events of a per-character pattern. Used by Split, Punctuation, Digits, WhitespaceSplit.
// Does not: find regex matches (split_pre_tokenizer.cpp).
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "tokenizer/normalized_text.hpp"

namespace sembed::tokenizer {

enum class SplitBehavior { Removed, Isolated, MergedWithPrevious, MergedWithNext, Contiguous };

// "Removed", "Isolated", ... as tokenizer.json spells them; throws sembed::Error naming
// `where` and the value otherwise.
SplitBehavior parse_split_behavior(const std::string& value, const std::string& where);

struct SplitEvent {
  uint32_t begin, end;  // code points of the piece being split
  bool is_match;
};

// Turns the events of one split (covering it in order, as tokenizers' Pattern::find_matches
// returns them) into splits, appended to `out` shifted by `base`; empty ones are dropped.
// `events` is consumed (used as working memory).
void apply_split_behavior(std::vector<SplitEvent>& events, SplitBehavior behavior, uint32_t base,
                          std::vector<Split>& out);

// Events of a per-character pattern (each matching character is one match), as tokenizers'
// Pattern impl for Fn(char) -> bool.
template <typename Pred>
void char_pattern_events(const char32_t* chars, uint32_t n, Pred pred,
                         std::vector<SplitEvent>& events) {
  events.clear();
  if (n == 0) {
    events.push_back({0, 0, false});
    return;
  }
  uint32_t last = 0;
  for (uint32_t i = 0; i < n; ++i) {
    if (!pred(chars[i])) continue;
    if (last < i) events.push_back({last, i, false});
    events.push_back({i, i + 1, true});
    last = i + 1;
  }
  if (last < n) events.push_back({last, n, false});
}

}  // namespace sembed::tokenizer
