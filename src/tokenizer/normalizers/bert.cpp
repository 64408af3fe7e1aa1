// BertNormalizer (see normalizer.hpp). The stages run in the reference's order: clean_text,
// handle_chinese_chars, strip_accents, lowercase. Clean and chinese are per character; strip
// needs canonical reordering across characters, so it runs over a buffer.
#include "tokenizer/normalizers/bert.hpp"

#include <algorithm>
#include <memory>

#include "tokenizer/stage_json.hpp"
#include "tokenizer/unicode_props.hpp"

namespace sembed::tokenizer {

using namespace unicode;

BertNormalizer::BertNormalizer(const NormalizerOptions& options)
    : options_(options), strip_accents_(options.strip_accents.value_or(options.lowercase)) {}

namespace {

inline bool is_tab_or_newline(char32_t c) { return c == '\t' || c == '\n' || c == '\r'; }

// Canonical ordering: stable sort of each run of non-starters by combining class. `extra`
// (1 for the second and later characters of a decomposition) travels with its character,
// because the reference assigns alignments from it after sorting (see assign_origins).
void canonical_reorder(std::vector<char32_t>& chars, std::vector<uint8_t>& extra) {
  const size_t n = chars.size();
  size_t i = 0;
  while (i < n) {
    if (combining_class(chars[i]) == 0) {
      ++i;
      continue;
    }
    size_t j = i;
    while (j < n && combining_class(chars[j]) != 0) ++j;
    // Insertion sort: stable, and runs are tiny.
    for (size_t a = i + 1; a < j; ++a) {
      const char32_t c = chars[a];
      const uint8_t e = extra[a];
      const int cc = combining_class(c);
      size_t b = a;
      while (b > i && combining_class(chars[b - 1]) > cc) {
        chars[b] = chars[b - 1];
        extra[b] = extra[b - 1];
        --b;
      }
      chars[b] = c;
      extra[b] = e;
    }
    i = j;
  }
}

}  // namespace

void BertNormalizer::normalize(const char32_t* text, const uint32_t* origins, size_t n,
                               NormalizedText& out) const {
  thread_local NormalizedText scratch;
  const ReleaseWhenLarge release{scratch};
  const bool clean = options_.clean_text;
  const bool chinese = options_.handle_chinese_chars;
  const bool lower = options_.lowercase;

  // Pure-ASCII fast path: no decomposition, no chinese chars, simple lowercase.
  bool ascii = true;
  for (size_t i = 0; i < n; ++i) {
    if (text[i] >= 0x80) {
      ascii = false;
      break;
    }
  }
  if (ascii) {
    for (size_t i = 0; i < n; ++i) {
      char32_t c = text[i];
      if (clean) {
        // Every C0 control and DEL is "other" and removed, except \t \n \r, which are
        // whitespace and become ' ' (\v and \f are removed before the whitespace check).
        if ((c < 0x20 && !is_tab_or_newline(c)) || c == 0x7F) continue;
        if (is_tab_or_newline(c)) c = ' ';
      }
      if (lower && c >= 'A' && c <= 'Z') c += 32;
      out.chars.push_back(c);
      out.origin.push_back(origins[i]);
    }
    return;
  }

  // Stage 1+2: clean and chinese padding into `stage` (out directly if nothing else to do).
  NormalizedText& stage = (strip_accents_ || lower) ? scratch : out;
  if (&stage == &scratch) scratch.clear();
  for (size_t i = 0; i < n; ++i) {
    char32_t c = text[i];
    const uint32_t origin = origins[i];
    const uint16_t f = flags(c);
    if (clean) {
      if (c == 0 || c == 0xFFFD || ((f & kOther) && !is_tab_or_newline(c))) continue;
      if (f & kWhitespace) c = ' ';
    }
    if (chinese && (f & kChinese)) {
      stage.chars.insert(stage.chars.end(), {U' ', c, U' '});
      stage.origin.insert(stage.origin.end(), {origin, origin, origin});
      continue;
    }
    stage.chars.push_back(c);
    stage.origin.push_back(origin);
  }
  if (&stage == &out) return;

  // Stage 3: NFD + canonical reordering + drop nonspacing marks. Alignments follow the
  // reference (measured): after sorting, each character that starts a decomposition takes the
  // origin of the next input character in input order, and each further character of a
  // decomposition takes the origin of the last one taken.
  NormalizedText* src = &scratch;
  NormalizedText decomposed;
  if (strip_accents_) {
    bool any_change = false;
    for (char32_t c : scratch.chars) {
      if (flags(c) & (kDecomposes | kNonspacingMark)) {
        any_change = true;
        break;
      }
    }
    if (any_change) {
      std::vector<uint8_t> extra;
      decomposed.chars.reserve(scratch.chars.size() + 8);
      bool needs_reorder = false;
      for (size_t i = 0; i < scratch.chars.size(); ++i) {
        const char32_t c = scratch.chars[i];
        const size_t before = decomposed.chars.size();
        if (flags(c) & kDecomposes) {
          append_nfd(c, decomposed.chars);
        } else {
          decomposed.chars.push_back(c);
        }
        extra.push_back(0);
        extra.resize(decomposed.chars.size(), 1);
        for (size_t k = before; k < decomposed.chars.size(); ++k) {
          if (combining_class(decomposed.chars[k]) != 0) needs_reorder = true;
        }
      }
      if (needs_reorder) canonical_reorder(decomposed.chars, extra);
      decomposed.origin.resize(decomposed.chars.size());
      size_t next = 0;
      uint32_t last = scratch.origin.empty() ? 0 : scratch.origin[0];
      for (size_t k = 0; k < decomposed.chars.size(); ++k) {
        if (!extra[k] && next < scratch.origin.size()) last = scratch.origin[next++];
        decomposed.origin[k] = last;
      }
      size_t w = 0;
      for (size_t r = 0; r < decomposed.chars.size(); ++r) {
        if (flags(decomposed.chars[r]) & kNonspacingMark) continue;
        decomposed.chars[w] = decomposed.chars[r];
        decomposed.origin[w] = decomposed.origin[r];
        ++w;
      }
      decomposed.chars.resize(w);
      decomposed.origin.resize(w);
      src = &decomposed;
    }
  }

  // Stage 4: lowercase (full mappings may produce several code points).
  if (!lower) {
    out.chars.insert(out.chars.end(), src->chars.begin(), src->chars.end());
    out.origin.insert(out.origin.end(), src->origin.begin(), src->origin.end());
    return;
  }
  for (size_t i = 0; i < src->chars.size(); ++i) {
    const char32_t c = src->chars[i];
    if (c < 0x80) {
      out.chars.push_back(c >= 'A' && c <= 'Z' ? c + 32 : c);
      out.origin.push_back(src->origin[i]);
    } else if (flags(c) & kLowerChanges) {
      append_lowercase(c, out.chars);
      out.origin.resize(out.chars.size(), src->origin[i]);
    } else {
      out.chars.push_back(c);
      out.origin.push_back(src->origin[i]);
    }
  }
}

}  // namespace sembed::tokenizer

namespace sembed::tokenizer {

NormalizerOptions read_bert_normalizer_options(const json& j, const StageContext& ctx) {
  NormalizerOptions o;
  o.clean_text = ctx.get_bool(j, "clean_text", true);
  o.handle_chinese_chars = ctx.get_bool(j, "handle_chinese_chars", true);
  o.lowercase = ctx.get_bool(j, "lowercase", true);
  if (auto it = j.find("strip_accents"); it != j.end() && !it->is_null()) {
    o.strip_accents = ctx.get_bool(j, "strip_accents", false);
  }
  return o;
}

std::unique_ptr<Normalizer> build_bert_normalizer(const json& j, const StageContext& ctx) {
  return std::make_unique<BertNormalizer>(read_bert_normalizer_options(j, ctx));
}

}  // namespace sembed::tokenizer
