// Truncation (see truncation.hpp).
#include "tokenizer/truncation.hpp"

#include <sembed/error.hpp>

#include <algorithm>
#include <utility>

namespace sembed::tokenizer {
namespace {

void cut(Encoding& e, size_t keep, Direction direction) {
  if (e.ids.size() <= keep) return;
  if (direction == Direction::Right) {
    e.ids.resize(keep);
    e.tokens.resize(keep);
    e.offsets.resize(keep);
    if (!e.type_ids.empty()) e.type_ids.resize(keep);
    if (!e.attention_mask.empty()) e.attention_mask.resize(keep);
    return;
  }
  const size_t drop = e.ids.size() - keep;
  e.ids.erase(e.ids.begin(), e.ids.begin() + static_cast<std::ptrdiff_t>(drop));
  e.tokens.erase(e.tokens.begin(), e.tokens.begin() + static_cast<std::ptrdiff_t>(drop));
  e.offsets.erase(e.offsets.begin(), e.offsets.begin() + static_cast<std::ptrdiff_t>(drop));
  if (!e.type_ids.empty())
    e.type_ids.erase(e.type_ids.begin(), e.type_ids.begin() + static_cast<std::ptrdiff_t>(drop));
  if (!e.attention_mask.empty())
    e.attention_mask.erase(e.attention_mask.begin(),
                           e.attention_mask.begin() + static_cast<std::ptrdiff_t>(drop));
}

}  // namespace

void truncate(Encoding& a, Encoding* b, const TruncationParams& params, size_t added) {
  if (params.max_length < added) return;  // the reference skips truncation entirely
  const size_t budget = params.max_length - added;
  const size_t total = a.size() + (b != nullptr ? b->size() : 0);
  if (budget == 0) {
    cut(a, 0, params.direction);
    if (b != nullptr) cut(*b, 0, params.direction);
    return;
  }
  if (total <= budget) return;
  const size_t to_remove = total - budget;

  switch (params.strategy) {
    case TruncationStrategy::LongestFirst: {
      if (b == nullptr) {
        cut(a, a.size() - std::min(a.size(), to_remove), params.direction);
        return;
      }
      size_t n1 = a.size(), n2 = b->size();
      const bool swap = n1 > n2;
      if (swap) std::swap(n1, n2);  // n1: the shorter
      if (n1 > budget) {
        n2 = n1;
      } else {
        n2 = std::max(n1, budget - n1);
      }
      if (n1 + n2 > budget) {
        n1 = budget / 2;
        n2 = n1 + budget % 2;
      }
      if (swap) std::swap(n1, n2);
      cut(a, n1, params.direction);
      cut(*b, n2, params.direction);
      return;
    }
    case TruncationStrategy::OnlyFirst:
    case TruncationStrategy::OnlySecond: {
      Encoding* target = params.strategy == TruncationStrategy::OnlyFirst ? &a : b;
      if (target == nullptr) throw Error("Truncation error: Second sequence not provided");
      if (target->size() <= to_remove) {
        throw Error(
            "Truncation error: Sequence to truncate too short to respect the provided "
            "max_length");
      }
      cut(*target, target->size() - to_remove, params.direction);
      return;
    }
  }
}

}  // namespace sembed::tokenizer
