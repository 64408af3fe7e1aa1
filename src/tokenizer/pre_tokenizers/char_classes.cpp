// char_class::of (see char_classes.hpp): a two-stage table (256-code-point blocks, identical
// blocks shared) built from the generated ranges; ASCII is a direct lookup.
#include "tokenizer/pre_tokenizers/char_classes.hpp"

#include <array>
#include <cstddef>
#include <map>
#include <vector>

namespace sembed::tokenizer::char_class {
namespace {

struct Range {
  char32_t first, last;
  uint8_t bits;
};

constexpr Range kRanges[] = {
#include "tokenizer/pre_tokenizers/char_classes.inc"
};

constexpr char32_t kLimit = 0x110000;
constexpr size_t kBlock = 256;

struct Table {
  std::vector<uint16_t> block_of;  // code point >> 8 -> block index
  std::vector<std::array<uint8_t, kBlock>> blocks;

  Table() {
    std::vector<uint8_t> flat(kLimit, 0);
    for (const Range& r : kRanges) {
      for (char32_t c = r.first; c <= r.last && c < kLimit; ++c) flat[c] = r.bits;
    }
    std::map<std::array<uint8_t, kBlock>, uint16_t> seen;
    block_of.resize(kLimit / kBlock);
    for (size_t b = 0; b < kLimit / kBlock; ++b) {
      std::array<uint8_t, kBlock> block;
      for (size_t i = 0; i < kBlock; ++i) block[i] = flat[b * kBlock + i];
      auto [it, inserted] = seen.emplace(block, static_cast<uint16_t>(blocks.size()));
      if (inserted) blocks.push_back(block);
      block_of[b] = it->second;
    }
  }
};

const Table& table() {
  static const Table t;
  return t;
}

}  // namespace

uint8_t of(char32_t cp) {
  if (cp >= kLimit) return 0;
  const Table& t = table();
  return t.blocks[t.block_of[cp / kBlock]][cp % kBlock];
}

}  // namespace sembed::tokenizer::char_class
