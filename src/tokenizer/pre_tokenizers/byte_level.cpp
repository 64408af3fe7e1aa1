// ByteLevelPreTokenizer (see byte_level.hpp).
#include "tokenizer/pre_tokenizers/byte_level.hpp"

#include <memory>

#include "tokenizer/pre_tokenizers/gpt2_split.hpp"
#include "tokenizer/stage_json.hpp"

namespace sembed::tokenizer {
namespace {

std::array<char32_t, 256> make_byte_table() {
  std::array<char32_t, 256> t{};
  char32_t next = 256;
  for (int b = 0; b < 256; ++b) {
    const bool printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE);
    t[b] = printable ? static_cast<char32_t>(b) : next++;
  }
  return t;
}

// Appends the UTF-8 bytes of `c`, each as its byte-level character.
inline void append_bytes(char32_t c, uint32_t origin, const std::array<char32_t, 256>& table,
                         NormalizedText& out) {
  unsigned char b[4];
  int n;
  if (c < 0x80) {
    b[0] = static_cast<unsigned char>(c);
    n = 1;
  } else if (c < 0x800) {
    b[0] = static_cast<unsigned char>(0xC0 | (c >> 6));
    b[1] = static_cast<unsigned char>(0x80 | (c & 0x3F));
    n = 2;
  } else if (c < 0x10000) {
    b[0] = static_cast<unsigned char>(0xE0 | (c >> 12));
    b[1] = static_cast<unsigned char>(0x80 | ((c >> 6) & 0x3F));
    b[2] = static_cast<unsigned char>(0x80 | (c & 0x3F));
    n = 3;
  } else {
    b[0] = static_cast<unsigned char>(0xF0 | (c >> 18));
    b[1] = static_cast<unsigned char>(0x80 | ((c >> 12) & 0x3F));
    b[2] = static_cast<unsigned char>(0x80 | ((c >> 6) & 0x3F));
    b[3] = static_cast<unsigned char>(0x80 | (c & 0x3F));
    n = 4;
  }
  for (int k = 0; k < n; ++k) {
    out.push(table[b[k]], origin);
  }
}

}  // namespace

const std::array<char32_t, 256>& byte_to_unicode() {
  static const std::array<char32_t, 256> table = make_byte_table();
  return table;
}

int unicode_to_byte(char32_t c) {
  static const std::array<int16_t, 512> inverse = [] {
    std::array<int16_t, 512> inv;
    inv.fill(-1);
    const auto& t = byte_to_unicode();
    for (int b = 0; b < 256; ++b) inv[t[b]] = static_cast<int16_t>(b);
    return inv;
  }();
  return c < 512 ? inverse[c] : -1;
}

void ByteLevelPreTokenizer::pre_tokenize(PreTokenized& pt) const {
  thread_local std::vector<char32_t> piece;
  thread_local std::vector<uint32_t> piece_origin;
  thread_local std::vector<std::pair<uint32_t, uint32_t>> ranges;
  const auto& table = byte_to_unicode();
  const NormalizedText& in = pt.text;
  NormalizedText& out = pt.next_text;
  out.clear();
  pt.next_splits.clear();
  for (const Split& split : pt.splits) {
    if (split.added_id >= 0) {
      // Added tokens keep their characters; only their position in the rewritten text moves.
      const uint32_t b = static_cast<uint32_t>(out.size());
      for (uint32_t k = split.begin; k < split.end; ++k) out.push(in.chars[k], in.origin[k]);
      pt.next_splits.push_back({b, static_cast<uint32_t>(out.size()), split.added_id});
      continue;
    }
    piece.clear();
    piece_origin.clear();
    // The prepended ' ' takes the origin of the character it is put before, as in the reference.
    if (add_prefix_space_ && split.end > split.begin && in.chars[split.begin] != ' ') {
      piece.push_back(' ');
      piece_origin.push_back(in.origin[split.begin]);
    }
    piece.insert(piece.end(), in.chars.begin() + split.begin, in.chars.begin() + split.end);
    piece_origin.insert(piece_origin.end(), in.origin.begin() + split.begin,
                        in.origin.begin() + split.end);
    const uint32_t n = static_cast<uint32_t>(piece.size());
    ranges.clear();
    if (use_regex_) {
      gpt2_split(piece.data(), n, 0, ranges);
    } else if (n > 0) {
      ranges.emplace_back(0, n);
    }
    for (const auto& [rb, re] : ranges) {
      const uint32_t b = static_cast<uint32_t>(out.size());
      for (uint32_t k = rb; k < re; ++k) append_bytes(piece[k], piece_origin[k], table, out);
      pt.next_splits.push_back({b, static_cast<uint32_t>(out.size()), -1});
    }
  }
  std::swap(pt.text, pt.next_text);
  pt.splits.swap(pt.next_splits);
}

}  // namespace sembed::tokenizer

namespace sembed::tokenizer {

// {"type": "ByteLevel", "add_prefix_space": true, "trim_offsets": true, "use_regex": true};
// trim_offsets only matters to the post-processor.
std::unique_ptr<PreTokenizer> build_byte_level_pre_tokenizer(const json& block,
                                                             const StageContext& ctx) {
  return std::make_unique<ByteLevelPreTokenizer>(ctx.get_bool(block, "add_prefix_space", true),
                                                 ctx.get_bool(block, "use_regex", true));
}

}  // namespace sembed::tokenizer
