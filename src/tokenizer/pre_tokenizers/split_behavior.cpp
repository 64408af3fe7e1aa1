// apply_split_behavior and parse_split_behavior (see splits.hpp): tokenizers'
// NormalizedString::split, fold for fold, so that empty matches and runs of matches behave
// as there.
#include "tokenizer/pre_tokenizers/split_behavior.hpp"

#include <algorithm>
#include <sembed/error.hpp>

namespace sembed::tokenizer {

SplitBehavior parse_split_behavior(const std::string& value, const std::string& where) {
  if (value == "Removed") return SplitBehavior::Removed;
  if (value == "Isolated") return SplitBehavior::Isolated;
  if (value == "MergedWithPrevious") return SplitBehavior::MergedWithPrevious;
  if (value == "MergedWithNext") return SplitBehavior::MergedWithNext;
  if (value == "Contiguous") return SplitBehavior::Contiguous;
  throw Error(where + " has unknown value '" + value +
              "' (expected Removed, Isolated, MergedWithPrevious, MergedWithNext or Contiguous)");
}

void apply_split_behavior(std::vector<SplitEvent>& events, SplitBehavior behavior, uint32_t base,
                          std::vector<Split>& out) {
  // (range, remove) pairs, in place in `events` (is_match then means "remove").
  std::vector<SplitEvent>& acc = events;
  size_t n = 0;  // acc[0..n) is the folded list
  switch (behavior) {
    case SplitBehavior::Removed:
      n = events.size();
      break;
    case SplitBehavior::Isolated:
      for (SplitEvent& e : events) e.is_match = false;
      n = events.size();
      break;
    case SplitBehavior::Contiguous:
    case SplitBehavior::MergedWithPrevious: {
      bool previous_match = false;
      for (size_t i = 0; i < events.size(); ++i) {
        const SplitEvent e = events[i];
        const bool extend = behavior == SplitBehavior::Contiguous ? e.is_match == previous_match
                                                                  : e.is_match && !previous_match;
        if (extend && n > 0) {
          acc[n - 1].end = e.end;
        } else {
          acc[n++] = {e.begin, e.end, false};
        }
        previous_match = e.is_match;
      }
      break;
    }
    case SplitBehavior::MergedWithNext: {
      // Folded from the end: a match joins the piece after it.
      std::reverse(events.begin(), events.end());
      bool previous_match = false;
      for (size_t i = 0; i < events.size(); ++i) {
        const SplitEvent e = events[i];
        if (e.is_match && !previous_match && n > 0) {
          acc[n - 1].begin = e.begin;
        } else {
          acc[n++] = {e.begin, e.end, false};
        }
        previous_match = e.is_match;
      }
      std::reverse(acc.begin(), acc.begin() + static_cast<std::ptrdiff_t>(n));
      break;
    }
  }
  for (size_t i = 0; i < n; ++i) {
    if (!acc[i].is_match && acc[i].end > acc[i].begin) {
      out.push_back({base + acc[i].begin, base + acc[i].end, -1});
    }
  }
}

}  // namespace sembed::tokenizer
