// PieceTrie (see piece_trie.hpp): built breadth-first from the sorted keys, so that each node's
// edges are contiguous and sorted by label.
#include "tokenizer/piece_trie.hpp"

#include <algorithm>
#include <numeric>

namespace sembed::tokenizer {

void PieceTrie::build(const std::vector<std::string_view>& keys,
                      const std::vector<int32_t>& values) {
  // Sorted unique keys; for a repeated key the last value wins (stable sort keeps input order).
  std::vector<size_t> order(keys.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return keys[a] < keys[b]; });
  std::vector<std::string_view> k;
  std::vector<int32_t> v;
  for (size_t i : order) {
    if (keys[i].empty()) continue;
    if (!k.empty() && k.back() == keys[i]) {
      v.back() = values[i];
    } else {
      k.push_back(keys[i]);
      v.push_back(values[i]);
    }
  }
  nodes_.assign(1, Node{});
  edges_.clear();
  std::fill(std::begin(root_children_), std::end(root_children_), 0u);

  struct Task {
    uint32_t node;  // 0: the root
    size_t lo, hi, depth;
  };
  std::vector<Task> queue{{0, 0, k.size(), 0}};
  for (size_t q = 0; q < queue.size(); ++q) {
    Task t = queue[q];
    if (t.node != 0 && t.lo < t.hi && k[t.lo].size() == t.depth) {
      nodes_[t.node].value = v[t.lo];
      ++t.lo;
    }
    if (t.node != 0) nodes_[t.node].first_edge = static_cast<uint32_t>(edges_.size());
    size_t i = t.lo;
    while (i < t.hi) {
      const unsigned char c = static_cast<unsigned char>(k[i][t.depth]);
      size_t j = i + 1;
      while (j < t.hi && static_cast<unsigned char>(k[j][t.depth]) == c) ++j;
      const uint32_t child = static_cast<uint32_t>(nodes_.size());
      nodes_.push_back(Node{});
      if (t.node == 0) {
        root_children_[c] = child;
      } else {
        edges_.push_back({c, child});
        ++nodes_[t.node].edge_count;
      }
      queue.push_back({child, i, j, t.depth + 1});
      i = j;
    }
  }
}

}  // namespace sembed::tokenizer
