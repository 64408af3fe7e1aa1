// PieceTrie: a byte trie over vocabulary pieces for common-prefix search — every piece that is
// a prefix of a given byte string, shortest first — which is what Unigram's lattice needs.
// Children are kept sorted per node in one flat array (binary search), the root's in a direct
// 256-entry table, so a walk touches little memory.
// Does not: know scores or ids beyond the one int32 value stored per piece.
// Thread safety: immutable after build(); searches from many threads are safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sembed::tokenizer {

class PieceTrie {
 public:
  // keys[i] gets values[i]; a repeated key keeps the last value. Empty keys are ignored.
  void build(const std::vector<std::string_view>& keys, const std::vector<int32_t>& values);

  // Calls f(length, value) for every key that is a prefix of bytes[0..n), shortest first.
  template <typename F>
  void common_prefixes(const char* bytes, size_t n, F&& f) const {
    if (n == 0 || nodes_.empty()) return;
    uint32_t node = root_children_[static_cast<unsigned char>(bytes[0])];
    for (size_t i = 0;;) {
      if (node == 0) return;
      const Node& nd = nodes_[node];
      if (nd.value >= 0) f(i + 1, nd.value);
      if (++i == n) return;
      node = child(nd, static_cast<unsigned char>(bytes[i]));
    }
  }

 private:
  struct Node {
    uint32_t first_edge = 0;
    uint32_t edge_count = 0;
    int32_t value = -1;
  };
  struct Edge {
    uint8_t label;
    uint32_t child;
  };
  uint32_t child(const Node& nd, unsigned char c) const {
    const Edge* lo = edges_.data() + nd.first_edge;
    size_t count = nd.edge_count;
    while (count > 0) {  // lower_bound on label
      const size_t half = count / 2;
      if (lo[half].label < c) {
        lo += half + 1;
        count -= half + 1;
      } else {
        count = half;
      }
    }
    return lo != edges_.data() + nd.first_edge + nd.edge_count && lo->label == c ? lo->child : 0;
  }
  std::vector<Node> nodes_;  // nodes_[0] is a sentinel ("no node"); the root is implicit
  std::vector<Edge> edges_;
  uint32_t root_children_[256] = {};
};

}  // namespace sembed::tokenizer
