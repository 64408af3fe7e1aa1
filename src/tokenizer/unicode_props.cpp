// Unicode facts for the BERT stages: utf8proc plus the measured exception table.
// A flat table over all code points (2.2 MB, built on first use in ~10 ms) keeps the hot
// path to one load per character; decompositions and lowercase mappings are looked up only
// for the few characters whose flags say they change.
#include "tokenizer/unicode_props.hpp"

#include <utf8proc.h>

#include <algorithm>
#include <array>
#include <memory>

namespace sembed::tokenizer::unicode {
namespace {

// Generated data: kFlagOverrides, kNfdOverrides, kLowerOverrides.
struct FlagOverride {
  char32_t lo, hi;      // inclusive range
  uint16_t set, clear;  // bits to set and to clear over the base flags
};
struct MapOverride {
  char32_t cp;
  uint8_t len;          // 0: maps to nothing
  char32_t seq[3];
};
#include "tokenizer/unicode_overrides.inc"

constexpr char32_t kMaxCodePoint = 0x10FFFF;

bool is_scalar(char32_t cp) { return cp <= kMaxCodePoint && !(cp >= 0xD800 && cp <= 0xDFFF); }

// BertNormalizer's "chinese character" blocks (a fixed list in the reference, not Unicode data).
bool in_chinese_blocks(char32_t cp) {
  return (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF) ||
         (cp >= 0x20000 && cp <= 0x2A6DF) || (cp >= 0x2A700 && cp <= 0x2B73F) ||
         (cp >= 0x2B740 && cp <= 0x2B81F) || (cp >= 0x2B920 && cp <= 0x2CEAF) ||
         (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0x2F800 && cp <= 0x2FA1F);
}

const MapOverride* find_map(const MapOverride* begin, const MapOverride* end, char32_t cp) {
  const MapOverride* it =
      std::lower_bound(begin, end, cp, [](const MapOverride& m, char32_t c) { return m.cp < c; });
  return it != end && it->cp == cp ? it : nullptr;
}

struct Table {
  std::unique_ptr<uint16_t[]> flags{new uint16_t[kMaxCodePoint + 1]};
  Table() {
    for (char32_t cp = 0; cp <= kMaxCodePoint; ++cp) flags[cp] = base_flags(cp);
    for (const FlagOverride& o : kFlagOverrides) {
      for (char32_t cp = o.lo; cp <= o.hi; ++cp) {
        flags[cp] = static_cast<uint16_t>((flags[cp] | o.set) & ~o.clear);
      }
    }
  }
};

const Table& table() {
  static const Table t;
  return t;
}

}  // namespace

uint16_t base_flags(char32_t cp) {
  if (!is_scalar(cp)) return 0;
  const utf8proc_property_t* p = utf8proc_get_property(static_cast<utf8proc_int32_t>(cp));
  uint16_t f = 0;
  switch (p->category) {
    // Regex \w: letters, marks, decimal digits, letter numbers, connector punctuation (the
    // other Alphabetic code points come from the exception table).
    case UTF8PROC_CATEGORY_LU:
    case UTF8PROC_CATEGORY_LL:
    case UTF8PROC_CATEGORY_LT:
    case UTF8PROC_CATEGORY_LM:
    case UTF8PROC_CATEGORY_LO:
    case UTF8PROC_CATEGORY_MN:
    case UTF8PROC_CATEGORY_MC:
    case UTF8PROC_CATEGORY_ME:
    case UTF8PROC_CATEGORY_ND:
    case UTF8PROC_CATEGORY_NL:
    case UTF8PROC_CATEGORY_PC:
      f |= kWord;
      break;
    default:
      break;
  }
  if (cp == 0x200C || cp == 0x200D) f |= kWord;  // Join_Control
  switch (p->category) {
    case UTF8PROC_CATEGORY_ZS:
    case UTF8PROC_CATEGORY_ZL:
    case UTF8PROC_CATEGORY_ZP:
      f |= kWhitespace;
      break;
    // unicode_categories' "other" table leaves out unassigned code points (Cn), measured:
    // the reference keeps them, so the base here does too.
    case UTF8PROC_CATEGORY_CC:
    case UTF8PROC_CATEGORY_CF:
    case UTF8PROC_CATEGORY_CO:
      f |= kOther;
      break;
    case UTF8PROC_CATEGORY_PC:
    case UTF8PROC_CATEGORY_PD:
    case UTF8PROC_CATEGORY_PS:
    case UTF8PROC_CATEGORY_PE:
    case UTF8PROC_CATEGORY_PI:
    case UTF8PROC_CATEGORY_PF:
    case UTF8PROC_CATEGORY_PO:
      f |= kPunctuation;
      break;
    case UTF8PROC_CATEGORY_MN:
      f |= kNonspacingMark;
      break;
    default:
      break;
  }
  // White_Space also holds these controls (Rust char::is_whitespace).
  if ((cp >= 0x09 && cp <= 0x0D) || cp == 0x85) f |= kWhitespace;
  // Rust's is_ascii_punctuation covers the ASCII symbols too ($ + < = > ^ ` | ~).
  if (cp < 0x80 && ((cp >= 0x21 && cp <= 0x2F) || (cp >= 0x3A && cp <= 0x40) ||
                    (cp >= 0x5B && cp <= 0x60) || (cp >= 0x7B && cp <= 0x7E))) {
    f |= kPunctuation;
  }
  if (in_chinese_blocks(cp)) f |= kChinese;
  if (p->combining_class != 0) f |= kCombining;
  // Read straight from the property record (no decomposition call): this runs for every code
  // point when the table is built. A canonical decomposition has decomp_type 0; Hangul
  // syllables decompose algorithmically and have no record.
  if ((p->decomp_seqindex != UINT16_MAX && p->decomp_type == 0) || (cp >= 0xAC00 && cp <= 0xD7A3)) {
    f |= kDecomposes;
  }
  if (utf8proc_tolower(static_cast<utf8proc_int32_t>(cp)) != static_cast<utf8proc_int32_t>(cp)) {
    f |= kLowerChanges;
  }
  return f;
}

void base_append_nfd(char32_t cp, std::vector<char32_t>& out) {
  utf8proc_int32_t buf[8];
  int last_boundclass = 0;
  const utf8proc_ssize_t n = utf8proc_decompose_char(
      static_cast<utf8proc_int32_t>(cp), buf, 8, UTF8PROC_DECOMPOSE, &last_boundclass);
  if (n <= 0 || n > 8) {
    out.push_back(cp);
    return;
  }
  for (utf8proc_ssize_t i = 0; i < n; ++i) out.push_back(static_cast<char32_t>(buf[i]));
}

void base_append_lowercase(char32_t cp, std::vector<char32_t>& out) {
  out.push_back(static_cast<char32_t>(utf8proc_tolower(static_cast<utf8proc_int32_t>(cp))));
}

uint16_t flags(char32_t cp) { return cp <= kMaxCodePoint ? table().flags[cp] : 0; }

void append_nfd(char32_t cp, std::vector<char32_t>& out) {
  if (const MapOverride* m = find_map(std::begin(kNfdOverrides), std::end(kNfdOverrides), cp)) {
    out.insert(out.end(), m->seq, m->seq + m->len);
    return;
  }
  base_append_nfd(cp, out);
}

int combining_class(char32_t cp) {
  if (!(flags(cp) & kCombining)) return 0;
  return utf8proc_get_property(static_cast<utf8proc_int32_t>(cp))->combining_class;
}

void append_lowercase(char32_t cp, std::vector<char32_t>& out) {
  if (const MapOverride* m =
          find_map(std::begin(kLowerOverrides), std::end(kLowerOverrides), cp)) {
    out.insert(out.end(), m->seq, m->seq + m->len);
    return;
  }
  base_append_lowercase(cp, out);
}

}  // namespace sembed::tokenizer::unicode
